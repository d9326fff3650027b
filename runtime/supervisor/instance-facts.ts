// What `status` shows of a running instance beyond its state: how long its init has run, its cgroup's memory, its
// network (addresses, ports, rate limits, socket policy) as `state` shows it.
import { readFileSync } from "node:fs";
import type { CgroupFs } from "../cgroups/fs.ts";
import { procStat } from "../container/proc.ts";
import { readCgroupMemory } from "../memory/cgroup-memory.ts";
import type { NetworkView } from "../network/view.ts";
import type { ContainerOps } from "./container-ops.ts";

/** Clock ticks per second of /proc/<pid>/stat's start time: USER_HZ, 100 on every Linux architecture bunker runs on. */
const USER_HZ = 100;

export interface InstanceFacts {
  uptimeS?: number;
  memoryBytes?: number;
  network?: NetworkView;
}

export const instanceFacts = (ops: ContainerOps, fs: CgroupFs) => (id: string): InstanceFacts => {
  const listed = ops.list().containers.find((c) => c.id === id);
  if (!listed) return {};
  const out: InstanceFacts = listed.network ? { network: listed.network } : {};
  try {
    const paths = ops.paths(listed);
    if (paths) out.memoryBytes = readCgroupMemory(fs, paths).current;
  } catch {
    // The cgroup went away meanwhile: no figure.
  }
  const pid = ops.pidOf(id);
  const stat = pid === undefined ? undefined : procStat(pid);
  if (stat) {
    const uptime = Number(readFileSync("/proc/uptime", "latin1").split(" ")[0]);
    out.uptimeS = Math.max(0, Math.round((uptime - Number(stat.startTime) / USER_HZ) * 10) / 10);
  }
  return out;
};
