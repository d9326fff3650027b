// cgroups: the layout (v2, v1 or hybrid), the controllers bunker uses, and the v2 features its manager relies on.
import { atLeast, type KernelConfig } from "./kernel.ts";
import { type CheckItem, item } from "./report.ts";
import { lines, type SystemView } from "./system.ts";

export type CgroupLayout = "v2" | "v1" | "hybrid" | "none";

export interface CgroupFacts {
  layout: CgroupLayout;
  /** Where cgroup2 is mounted, if it is. */
  v2Mount?: string;
  /** This process's own cgroup directory in the v2 hierarchy. */
  v2Own?: string;
  /** Controllers usable by bunker: v2 controllers of the unified mount plus v1 hierarchies. */
  v2Controllers: string[];
  v1Controllers: string[];
}

/** Reads the layout from /proc/self/mountinfo and the controllers from cgroup.controllers and /proc/cgroups. */
export const cgroupFacts = (view: SystemView): CgroupFacts => {
  let v2Mount: string | undefined;
  let v1 = false;
  for (const l of lines(view.read("/proc/self/mountinfo"))) {
    const [left, right] = l.split(" - ");
    const fstype = right?.split(" ")[0];
    const mountPoint = left?.split(" ")[4];
    if (fstype === "cgroup2") v2Mount ??= mountPoint;
    if (fstype === "cgroup") v1 = true;
  }
  const layout: CgroupLayout = v2Mount && v1 ? "hybrid" : v2Mount ? "v2" : v1 ? "v1" : "none";
  const v2Controllers = v2Mount ? (view.read(`${v2Mount}/cgroup.controllers`) ?? "").trim().split(/\s+/).filter(Boolean) : [];
  // /proc/cgroups: subsys_name hierarchy num_cgroups enabled; hierarchy 0 means not bound to a v1 mount.
  const v1Controllers = v1
    ? lines(view.read("/proc/cgroups"))
        .filter((l) => !l.startsWith("#"))
        .map((l) => l.split(/\s+/))
        .filter((f) => f[1] !== "0" && f[3] === "1")
        .map((f) => f[0]!)
    : [];
  const ownPath = lines(view.read("/proc/self/cgroup")).find((l) => l.startsWith("0::"))?.slice(3);
  return {
    layout,
    ...(v2Mount ? { v2Mount } : {}),
    ...(v2Mount && ownPath !== undefined ? { v2Own: `${v2Mount}${ownPath === "/" ? "" : ownPath}` } : {}),
    v2Controllers,
    v1Controllers,
  };
};

interface Controller {
  name: string;
  v1Name?: string;
  required: boolean;
  loss: string;
}

const CONTROLLERS: Controller[] = [
  { name: "memory", required: true, loss: "no memory limits, no OOM accounting, no memory ladder" },
  { name: "pids", required: true, loss: "no limit on the number of processes (fork bombs reach the board)" },
  { name: "cpu", required: true, loss: "no CPU shares or quotas" },
  { name: "io", v1Name: "blkio", required: false, loss: "no I/O weights or throttling on flash" },
  { name: "cpuset", required: false, loss: "containers cannot be pinned to cores" },
];

/** A v2 interface file: found in this process's cgroup or a child of the root, or else inferred from the release. */
const v2Feature = (view: SystemView, facts: CgroupFacts, file: string): boolean | undefined => {
  if (!facts.v2Mount) return false;
  const dirs = [facts.v2Own, ...view.list(facts.v2Mount).map((d) => `${facts.v2Mount}/${d}`)].filter(
    (d): d is string => d !== undefined && d !== facts.v2Mount,
  );
  if (dirs.some((d) => view.exists(`${d}/${file}`))) return true;
  return dirs.some((d) => view.exists(`${d}/cgroup.procs`)) ? false : undefined;
};

export const cgroupItems = (view: SystemView, release: string, config: KernelConfig | undefined): CheckItem[] => {
  const f = cgroupFacts(view);
  const g = "cgroups";
  const out: CheckItem[] = [
    item(
      {
        id: "cgroup.layout",
        group: g,
        title: "cgroup hierarchy",
        required: true,
        loss: f.layout === "none" ? "no resource control at all" : "the v1 driver is used: no PSI per cgroup, no memory.reclaim, no cgroup.kill",
      },
      f.layout === "v2" ? "ok" : f.layout === "none" ? "missing" : "degraded",
      f.layout === "none" ? "no cgroup or cgroup2 mount" : `${f.layout}${f.v2Mount ? `, cgroup2 at ${f.v2Mount}` : ""}`,
    ),
  ];
  for (const c of CONTROLLERS) {
    const inV2 = f.v2Controllers.includes(c.name);
    const inV1 = f.v1Controllers.includes(c.v1Name ?? c.name);
    out.push(
      item(
        { id: `cgroup.controller.${c.name}`, group: g, title: `${c.name} controller`, required: c.required, loss: c.loss },
        inV2 || inV1 ? "ok" : "missing",
        inV2 ? "cgroup v2" : inV1 ? "cgroup v1" : "not offered",
      ),
    );
  }
  const freezer = f.v1Controllers.includes("freezer") || (f.layout !== "v1" && f.v2Mount !== undefined && atLeast(release, 5, 2));
  out.push(
    item(
      { id: "cgroup.freezer", group: g, title: "freezer (pause/resume)", loss: "bunker pause/resume and consistent checkpoints" },
      freezer ? "ok" : "missing",
      f.v1Controllers.includes("freezer") ? "cgroup v1 freezer" : freezer ? "cgroup.freeze (v2)" : "no freezer",
    ),
  );
  const bpf = config?.options.get("CONFIG_CGROUP_BPF");
  const devices = f.v1Controllers.includes("devices") ? "v1" : f.v2Mount ? (bpf === "y" ? "bpf" : bpf === undefined ? "unverified" : "none") : "none";
  out.push(
    item(
      { id: "cgroup.devices", group: g, title: "device access control", loss: "containers' device rules cannot be enforced (v2 needs CONFIG_CGROUP_BPF)" },
      devices === "v1" || devices === "bpf" ? "ok" : devices === "unverified" ? "degraded" : "missing",
      { v1: "cgroup v1 devices controller", bpf: "cgroup v2 BPF device programs (CONFIG_CGROUP_BPF=y)", unverified: "cgroup v2; CONFIG_CGROUP_BPF unverified", none: "no devices controller" }[devices],
    ),
  );
  const features: { file: string; id: string; title: string; since: [number, number]; loss: string }[] = [
    { file: "cgroup.kill", id: "cgroup.kill", title: "cgroup.kill", since: [5, 14], loss: "killing a container walks its PIDs (races with forks)" },
    { file: "memory.reclaim", id: "cgroup.memory-reclaim", title: "memory.reclaim", since: [5, 19], loss: "the memory ladder cannot ask a container to give back memory before limiting it" },
  ];
  for (const x of features) {
    const found = v2Feature(view, f, x.file);
    const inferred = found === undefined && f.v2Mount !== undefined && atLeast(release, ...x.since);
    out.push(
      item(
        { id: x.id, group: g, title: x.title, loss: x.loss },
        found || inferred ? "ok" : "missing",
        found ? "present" : inferred ? `no child cgroup to look in; kernel ${release} has it` : f.v2Mount ? "absent" : "needs cgroup v2",
      ),
    );
  }
  return out;
};
