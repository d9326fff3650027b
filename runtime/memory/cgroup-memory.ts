// Reads what the memory core needs from a container's cgroup and from /proc, through the cgroups driver's CgroupFs,
// so that tests point it at a temporary directory laid out like cgroupfs (oomd's approach).
import { isUnlimited, parseKeyed } from "../cgroups/files.ts";
import type { CgroupFs } from "../cgroups/fs.ts";
import { parseMemoryEvents } from "../cgroups/v2/memory-events.ts";
import type { CgroupMemory, MemoryCgroupPaths, SystemMemory } from "./observation.ts";
import { parsePsi } from "../cgroups/psi.ts";

const limit = (text: string): number | "max" => {
  const t = text.trim();
  return t === "max" || isUnlimited(Number(t)) ? "max" : Number(t);
};

const optional = (fs: CgroupFs, path: string): string | undefined => (fs.exists(path) ? fs.read(path) : undefined);

const readV2 = (fs: CgroupFs, dir: string): CgroupMemory => {
  const cg = parseKeyed(fs.read(`${dir}/cgroup.events`));
  const pressure = optional(fs, `${dir}/memory.pressure`);
  return {
    current: Number(fs.read(`${dir}/memory.current`).trim()),
    max: limit(fs.read(`${dir}/memory.max`)),
    high: limit(fs.read(`${dir}/memory.high`)),
    swapCurrent: Number(optional(fs, `${dir}/memory.swap.current`)?.trim() ?? 0),
    events: parseMemoryEvents(fs.read(`${dir}/memory.events`)),
    ...(pressure ? { psi: parsePsi(pressure, `${dir}/memory.pressure`) } : {}),
    frozen: cg.frozen === 1,
    populated: cg.populated === 1,
  };
};

const readV1 = (fs: CgroupFs, dirs: { memory: string; freezer: string }): CgroupMemory => {
  const m = dirs.memory;
  const oom = parseKeyed(fs.read(`${m}/memory.oom_control`));
  const memsw = optional(fs, `${m}/memory.memsw.usage_in_bytes`);
  const current = Number(fs.read(`${m}/memory.usage_in_bytes`).trim());
  const state = optional(fs, `${dirs.freezer}/freezer.state`)?.trim();
  return {
    current,
    max: limit(fs.read(`${m}/memory.limit_in_bytes`)),
    high: limit(fs.read(`${m}/memory.soft_limit_in_bytes`)),
    swapCurrent: memsw === undefined ? 0 : Math.max(0, Number(memsw.trim()) - current),
    // v1 has no low/high counters; failcnt counts hits of the limit, under_oom says the OOM killer is holding it now.
    events: { low: 0, high: 0, max: Number(fs.read(`${m}/memory.failcnt`).trim()), oom: oom.under_oom ?? 0, oomKill: oom.oom_kill ?? 0 },
    frozen: state === "FROZEN",
    populated: fs.read(`${m}/cgroup.procs`).trim() !== "",
  };
};

export const readCgroupMemory = (fs: CgroupFs, where: MemoryCgroupPaths): CgroupMemory => {
  const dir = "v2" in where ? where.v2 : where.v1.memory;
  try {
    return "v2" in where ? readV2(fs, where.v2) : readV1(fs, where.v1);
  } catch (cause) {
    throw new Error(`Reading the memory state of cgroup '${dir}'`, { cause });
  }
};

/** /proc/meminfo (kB) and /proc/pressure/memory when the kernel has PSI. */
export const readSystemMemory = (fs: CgroupFs): SystemMemory => {
  const info = parseKeyed(fs.read("/proc/meminfo"));
  const kb = (k: string): number => (info[k] ?? 0) * 1024;
  const pressure = optional(fs, "/proc/pressure/memory");
  return {
    memTotal: kb("MemTotal"),
    memAvailable: kb("MemAvailable"),
    swapTotal: kb("SwapTotal"),
    swapFree: kb("SwapFree"),
    ...(pressure ? { psi: parsePsi(pressure, "/proc/pressure/memory") } : {}),
  };
};
