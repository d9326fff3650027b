// Which cgroup hierarchies exist and where this process sits in each: parsed from /proc/self/mountinfo and
// /proc/self/cgroup. The layout follows: only cgroup2 is "v2", only v1 controllers is "v1", both is "hybrid".

export type Layout = "v1" | "v2" | "hybrid";

/** One mounted hierarchy: its mount point and the hierarchy path the mount shows at that point. */
export interface Hierarchy {
  /** v1: the controllers it carries, e.g. ["cpu", "cpuacct"]; v2: []. */
  controllers: string[];
  mountpoint: string;
  /** Path inside the hierarchy that appears at `mountpoint` ("/" unless the mount is a bind or in a cgroup namespace). */
  root: string;
}

export interface Mounts {
  layout: Layout;
  /** v1 hierarchies keyed by their comma-joined controller list as /proc/self/cgroup names them ("cpu,cpuacct"). */
  v1: Map<string, Hierarchy>;
  v2?: Hierarchy;
  /** The named v1 hierarchy systemd keeps its own tree in (no controller; containers join it as runc's do). */
  systemd?: Hierarchy;
}

/** How /proc/self/cgroup names the systemd hierarchy. */
export const SYSTEMD_HIERARCHY = "name=systemd";

// mountinfo escapes space, tab, newline and backslash as octal.
const unescape = (s: string): string => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

export const parseMountinfo = (text: string): Mounts => {
  const v1 = new Map<string, Hierarchy>();
  let v2: Hierarchy | undefined;
  let systemd: Hierarchy | undefined;
  for (const line of text.split("\n")) {
    const [left, right] = line.split(" - ");
    if (!left || !right) continue;
    const fields = left.split(" ");
    const [fstype, , superOpts = ""] = right.split(" ");
    const root = unescape(fields[3] ?? "/");
    const mountpoint = unescape(fields[4] ?? "");
    if (fstype === "cgroup2") {
      v2 ??= { controllers: [], mountpoint, root };
    } else if (fstype === "cgroup") {
      const controllers = superOpts.split(",").filter((o) => V1_CONTROLLERS.has(o));
      const key = controllers.sort().join(",");
      if (controllers.length && !v1.has(key)) v1.set(key, { controllers, mountpoint, root });
      // Other named hierarchies are left alone, as runc leaves them.
      else if (!controllers.length && superOpts.split(",").includes(SYSTEMD_HIERARCHY)) systemd ??= { controllers: [], mountpoint, root };
    }
  }
  if (!v1.size && !v2) throw new Error("Detecting the cgroup layout: no cgroup or cgroup2 mount in /proc/self/mountinfo");
  const layout: Layout = !v1.size ? "v2" : v2 ? "hybrid" : "v1";
  // Beside v1 controllers only: a cgroup v2 host's containers have their one hierarchy.
  return { layout, v1, ...(v2 ? { v2 } : {}), ...(systemd && layout !== "v2" ? { systemd } : {}) };
};

const V1_CONTROLLERS = new Set([
  "cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids", "hugetlb", "net_cls", "net_prio",
  "perf_event", "rdma", "misc",
]);

/** /proc/self/cgroup: the process's path per hierarchy, keyed like Mounts.v1 (sorted controllers) and "" for v2. */
export const parseProcCgroup = (text: string): Map<string, string> => {
  const paths = new Map<string, string>();
  for (const line of text.split("\n")) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    const key = (m[1] ?? "").split(",").filter(Boolean).sort().join(",");
    paths.set(key, m[2] ?? "/");
  }
  return paths;
};

/** The directory of hierarchy path `path` under the mount `h` (paths outside the mount's root are refused). */
export const dirOf = (h: Hierarchy, path: string): string => {
  const root = h.root === "/" ? "" : h.root;
  if (root && path !== root && !path.startsWith(`${root}/`)) {
    throw new Error(`Locating cgroup '${path}': outside the mount of '${h.root}' at '${h.mountpoint}'`);
  }
  const rest = path.slice(root.length);
  return rest === "/" || rest === "" ? h.mountpoint : `${h.mountpoint}${rest}`;
};
