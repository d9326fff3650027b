// The cgroups the engine tests give their containers, and what a container's cgroup says, read on the host.
// Containers go below this process's own memory cgroup (the session's limits must hold for them too), at the same
// path in every hierarchy; the parent is removed again with exactly the ancestors the tests created.
import { existsSync, readdirSync, readFileSync, rmdirSync, statSync } from "node:fs";
import { join, posix } from "node:path";

interface Hierarchy {
  mount: string;
  /** As /proc/PID/cgroup names them: "memory", "name=systemd", "cpu,cpuacct"; "" for cgroup v2. */
  controllers: string;
}

/** Every cgroup hierarchy (v1, named and v2) mounted in this mount namespace. */
const hierarchies = (): Hierarchy[] =>
  readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .map((l) => l.split(" - "))
    .filter(([, right]) => /^cgroup2? /.test(right ?? ""))
    .map(([left, right]) => {
      const [type, , options] = right!.split(" ") as [string, string, string];
      const controllers = type === "cgroup2" ? "" : options.split(",").filter((o) => !["rw", "ro", "relatime", "noatime", "nosuid", "nodev", "noexec", "clone_children", "nsdelegate"].includes(o)).join(",");
      return { mount: left!.split(" ")[4]!, controllers };
    });

/** The path of `pid` in the hierarchy with `controller` ("" for cgroup v2, "name=systemd" for a named one). */
export const cgroupOf = (pid: number | "self", controller: string): string | undefined => {
  for (const line of readFileSync(`/proc/${pid}/cgroup`, "utf8").trim().split("\n")) {
    const [, ctrls, path] = line.split(":") as [string, string, string];
    if (ctrls.split(",").includes(controller)) return path;
  }
  return undefined;
};

/** The directory of `pid`'s cgroup in the v1 hierarchy of `controller` (v1 files are what the engines read here). */
const cgroupDir = (pid: number, controller: string): string => {
  const path = cgroupOf(pid, controller);
  const mount = hierarchies().find((h) => h.controllers.split(",").includes(controller))?.mount;
  if (path === undefined || mount === undefined) throw new Error(`pid ${pid} is in no ${controller} cgroup (v1)`);
  return join(mount, path);
};

/** The directories of every cgroup of `pid` (v1, named and v2 hierarchies) that lie below `parent`. */
export const containerCgroupDirs = (pid: number, parent: string): string[] => {
  const mounts = new Map(hierarchies().map((h) => [h.controllers, h.mount]));
  return readFileSync(`/proc/${pid}/cgroup`, "utf8")
    .trim()
    .split("\n")
    .flatMap((line) => {
      const [, ctrls, path] = line.split(":") as [string, string, string];
      const mount = mounts.get(ctrls);
      return mount && path.startsWith(`${parent}/`) ? [join(mount, path)] : [];
    });
};

const read = (file: string): string => readFileSync(file, "utf8").trim();

/** What the engines' stats must agree with: the figures of the container's own cgroups. */
export const cgroupFigures = (pid: number) => {
  const memory = cgroupDir(pid, "memory");
  return {
    memoryLimit: Number(read(join(memory, "memory.limit_in_bytes"))),
    memoryUsage: Number(read(join(memory, "memory.usage_in_bytes"))),
    pids: read(join(cgroupDir(pid, "pids"), "cgroup.procs")).split("\n").filter(Boolean).length,
    freezer: read(join(cgroupDir(pid, "freezer"), "freezer.state")),
    oomKills: Number(read(join(memory, "memory.oom_control")).match(/^oom_kill (\d+)$/m)?.[1] ?? 0),
  };
};

const subdirs = (dir: string): string[] =>
  existsSync(dir) ? readdirSync(dir).filter((n) => statSync(join(dir, n), { throwIfNoEntry: false })?.isDirectory()) : [];

export interface CgroupParent {
  /** The absolute cgroup path (the same in every hierarchy). */
  readonly path: string;
  /** Child cgroups left below the parent in any hierarchy, except those named in `shared` (an engine's own). */
  children(shared?: string[]): string[];
  /** Removes the parent's subtree and the ancestors that did not exist before; returns what could not be removed. */
  remove(): string[];
}

export const cgroupParent = (name: string): CgroupParent => {
  const own = cgroupOf("self", "memory") ?? cgroupOf("self", "") ?? "/";
  const path = posix.join(own, `bunker-engines-${name}-${process.pid}`);
  const mounts = hierarchies().map((h) => h.mount);
  // Per hierarchy, the first ancestor of `path` (or itself) that does not exist yet: everything from there is ours.
  const firstCreated = new Map<string, string>();
  for (const m of mounts) {
    let p = path;
    while (posix.dirname(p) !== "/" && !existsSync(join(m, posix.dirname(p)))) p = posix.dirname(p);
    if (!existsSync(join(m, p))) firstCreated.set(m, p);
  }
  const childrenIn = (dir: string, shared: string[]): string[] =>
    subdirs(dir).flatMap((n) => (shared.includes(n) ? childrenIn(join(dir, n), []) : [join(dir, n)]));
  return {
    path,
    children: (shared = []) => mounts.flatMap((m) => childrenIn(join(m, path), shared)),
    remove: () => {
      const failed: string[] = [];
      const rmTree = (dir: string): void => {
        for (const n of subdirs(dir)) rmTree(join(dir, n));
        try {
          rmdirSync(dir);
        } catch (e) {
          failed.push(`${dir}: ${(e as NodeJS.ErrnoException).code}`);
        }
      };
      for (const [m, top] of firstCreated) if (existsSync(join(m, top))) rmTree(join(m, top));
      return failed;
    },
  };
};
