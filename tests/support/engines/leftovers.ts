// What engines and runtimes leave on the host: processes, mounts, cgroups, network namespaces, iptables rules and
// files in the places engines write to. A snapshot is taken before a suite starts its daemons; after they are stopped,
// `sweep` lists everything new (the leftovers a test fails on), then removes what is provably the suite's own.
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, rmdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { CgroupParent } from "./cgroups.ts";
import { sh } from "./command.ts";

/** Where Debian's containerd, Docker, podman, runc and bunker write outside their configured directories. */
const ENGINE_PATHS = [
  "/run/containerd",
  "/run/docker",
  "/run/docker.pid",
  "/run/docker.sock",
  "/run/netns",
  "/run/containers",
  "/run/libpod",
  "/run/runc",
  "/run/crun",
  "/run/bunker",
  "/var/lib/containerd",
  "/var/lib/docker",
  "/var/lib/containers",
  "/var/lib/cni",
  "/var/lib/bunker",
  "/etc/cni/net.d",
  "/etc/docker",
  "/opt/containerd",
  "/dev/shm/libpod_lock",
];

export interface Watch {
  /** The suite's temp directory: daemons' state, sockets, logs and TMPDIR all live below it. */
  base: string;
  cgroups: CgroupParent;
  /** Child cgroups of the parent that belong to the engine rather than to a container (podman's `conmon`). */
  sharedCgroups?: string[];
  /** Paths (and what is below them) an engine or tool keeps by design: removed without counting as leftovers. */
  byproducts?: string[];
}

interface Snapshot {
  entries: Set<string>;
  mounts: Set<string>;
  netns: string;
  iptables: string | undefined;
}

const walk = (path: string, out: Set<string>, depth = 0): void => {
  const st = lstatSync(path, { throwIfNoEntry: false });
  if (!st) return;
  out.add(path);
  if (st.isDirectory() && depth < 6) for (const n of readdirSync(path)) walk(join(path, n), out, depth + 1);
};

const entries = (): Set<string> => {
  const out = new Set<string>();
  for (const p of ENGINE_PATHS) walk(p, out);
  return out;
};

const mountPoints = (): Set<string> =>
  new Set(
    readFileSync("/proc/self/mountinfo", "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => l.split(" ")[4]!),
  );

const iptables = (): string | undefined => {
  if (!Bun.which("iptables-save")) return undefined;
  const r = sh(["iptables-save"], { timeoutMs: 10_000 });
  // Counters and the dump's timestamps change on their own; the rules are what must not.
  return r.code === 0 ? r.stdout.split("\n").filter((l) => !l.startsWith("#")).map((l) => l.replace(/\[\d+:\d+\]/g, "")).join("\n") : undefined;
};

export const snapshot = (): Snapshot => ({
  entries: entries(),
  mounts: mountPoints(),
  netns: sh(["ip", "netns", "list"]).stdout,
  iptables: iptables(),
});

/** Processes whose command line names the suite's directory or that sit in its cgroups. */
const processes = (watch: Watch): { pid: number; what: string }[] =>
  readdirSync("/proc")
    .filter((n) => /^\d+$/.test(n) && Number(n) !== process.pid)
    .flatMap((n) => {
      try {
        const cmd = readFileSync(`/proc/${n}/cmdline`, "utf8").replaceAll("\0", " ").trim();
        const cg = readFileSync(`/proc/${n}/cgroup`, "utf8");
        const exe = existsSync(`/proc/${n}/exe`) ? readlinkSync(`/proc/${n}/exe`) : "";
        if (cmd.includes(watch.base) || exe.startsWith(watch.base) || cg.includes(`:${watch.cgroups.path}/`)) return [{ pid: Number(n), what: `process ${n}: ${cmd || exe}` }];
      } catch {
        // gone meanwhile, or a kernel thread
      }
      return [];
    });

const within = (path: string, roots: string[]): boolean => roots.some((r) => path === r || path.startsWith(`${r}/`));

/**
 * Lists what the engines left behind since `before`, then removes what is the suite's: kills leftover processes by
 * pid, unmounts, removes the cgroup parent, the suite's directory, byproducts and new empty directories.
 */
export const sweep = (before: Snapshot, watch: Watch): string[] => {
  const found: string[] = [];
  const procs = processes(watch);
  found.push(...procs.map((p) => p.what));
  const mounts = [...mountPoints()].filter((m) => !before.mounts.has(m) && within(m, [watch.base, ...ENGINE_PATHS]));
  found.push(...mounts.map((m) => `mount ${m}`));
  found.push(...watch.cgroups.children(watch.sharedCgroups).map((c) => `cgroup ${c}`));
  const netns = sh(["ip", "netns", "list"]).stdout;
  if (netns !== before.netns) found.push(`network namespaces: ${netns.trim() || "(none)"} (were: ${before.netns.trim() || "(none)"})`);
  const rules = iptables();
  if (rules !== before.iptables) found.push(`iptables rules changed:\n${rules ?? "(unreadable)"}`);
  const added = [...entries()].filter((e) => !before.entries.has(e)).sort();
  const byproduct = (e: string): boolean => within(e, watch.byproducts ?? []);
  // New directories that end up empty are the engines' fixed scaffolding (/run/containerd/s, /run/docker/plugins):
  // removed, not counted. Anything else new is something a container or daemon did not clean up.
  for (const e of added) {
    if (byproduct(e)) continue;
    if (!lstatSync(e, { throwIfNoEntry: false })?.isDirectory()) found.push(`file ${e}`);
  }

  for (const p of procs) {
    try {
      process.kill(p.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  for (const m of mounts.sort().reverse()) sh(["umount", "-l", m]);
  found.push(...watch.cgroups.remove().map((f) => `cgroup not removable: ${f}`));
  // New files outside the suite's directory are reported, not removed: on a shared machine they may be another's.
  for (const e of added.reverse()) {
    if (byproduct(e)) rmSync(e, { recursive: true, force: true });
    else if (lstatSync(e, { throwIfNoEntry: false })?.isDirectory() && readdirSync(e).length === 0) rmdirSync(e);
  }
  rmSync(watch.base, { recursive: true, force: true });
  if (existsSync(watch.base)) found.push(`${watch.base} could not be removed: ${readdirSync(watch.base).join(", ")}`);
  return found;
};
