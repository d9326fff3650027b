// Pressure stall information: system-wide files, whether a trigger can be armed, and per-cgroup pressure files.
import type { CgroupFacts } from "./cgroups.ts";
import { type CheckItem, item } from "./report.ts";
import type { SystemView } from "./system.ts";

const RESOURCES = ["cpu", "memory", "io"] as const;

export const pressureItems = (view: SystemView, cgroups: CgroupFacts): CheckItem[] => {
  const g = "pressure";
  // With psi=0 the files exist but reading them fails (EOPNOTSUPP).
  const readable = RESOURCES.filter((r) => view.read(`/proc/pressure/${r}`) !== undefined);
  const psi = item(
    { id: "psi", group: g, title: "PSI (/proc/pressure)", loss: "the memory ladder falls back to polling memory.current: later and costlier reactions" },
    readable.length === RESOURCES.length ? "ok" : readable.length ? "degraded" : "missing",
    readable.length ? `readable: ${readable.join(", ")}` : view.exists("/proc/pressure") ? "present but unreadable (psi=0 on the command line?)" : "no /proc/pressure",
  );
  const trigger = readable.includes("memory") ? view.probes.psiTrigger("/proc/pressure/memory") : undefined;
  const triggerItem = item(
    { id: "psi.trigger", group: g, title: "PSI triggers (poll on pressure)", loss: "pressure must be polled instead of waking on a trigger: more wake-ups" },
    trigger?.ok ? "ok" : "missing",
    trigger === undefined ? "no readable /proc/pressure/memory" : trigger.ok ? "trigger written on /proc/pressure/memory" : `writing a trigger failed: ${trigger.errno}`,
  );
  const dir = cgroups.v2Own && cgroups.v2Own !== cgroups.v2Mount ? cgroups.v2Own : cgroups.v2Mount;
  const perCgroup = dir !== undefined && [dir, ...view.list(dir).map((d) => `${dir}/${d}`)].some((d) => view.exists(`${d}/memory.pressure`));
  const cgroupItem = item(
    { id: "psi.cgroup", group: g, title: "PSI per cgroup", loss: "pressure is known only for the whole board, not per container" },
    perCgroup ? "ok" : "missing",
    perCgroup ? "memory.pressure in cgroup v2" : cgroups.v2Mount ? "no memory.pressure found" : "needs cgroup v2",
  );
  return [psi, triggerItem, cgroupItem];
};
