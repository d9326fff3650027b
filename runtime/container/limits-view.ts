// A job can read its own limits without a FUSE daemon: bunker renders /proc/meminfo and
// /sys/devices/system/cpu/online from the container's limits into files in its state directory, and the setup stage
// bind-mounts them (read-only) over the real ones. `update` renders them again, writing in place, because a bind
// mount pins the inode: a rename would leave the container looking at the old file.
//
// Exact (follow the limits, re-rendered on update): MemTotal, SwapTotal, the CPU list of cpu/online.
// Approximate (a snapshot taken at start and at each update): MemFree, MemAvailable, SwapFree, Cached, Shmem.
// Host values capped at MemTotal: every other meminfo field. Untouched: /proc/cpuinfo, cpu/possible, cpu/present.
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeSync } from "node:fs";
import { posix } from "node:path";
import { O } from "../../ffi/constants.ts";
import type { Mount } from "../spec/config.ts";
import type { LinuxResources } from "../spec/resources.ts";

export interface MemoryUsage {
  current: number;
  /** Page cache charged to the container (memory.stat "file" on v2, "cache" on v1). */
  file: number;
  shmem: number;
  swap: number;
}

export interface LimitsInput {
  /** Bytes; undefined or negative: no limit. */
  memoryLimit?: number;
  /** Bytes of swap (not memory plus swap); undefined: as the host. */
  swapLimit?: number;
  usage?: MemoryUsage;
  /** cpuset list ("0-2,4"); undefined: every online CPU. */
  cpus?: string;
  /** CFS quota and period in microseconds; a quota shows as ceil(quota / period) CPUs. */
  quota?: number;
  period?: number;
}

export const VIEW_FILES = { meminfo: "/proc/meminfo", cpuOnline: "/sys/devices/system/cpu/online" } as const;

const kB = (bytes: number): number => Math.floor(bytes / 1024);

/** /proc/meminfo with the container's figures; field order and alignment as the kernel writes them. */
export const renderMeminfo = (host: string, l: LimitsInput): string => {
  const hostKb = new Map<string, number>();
  for (const line of host.split("\n")) {
    const m = /^([^:]+):\s+(\d+)/.exec(line);
    if (m) hostKb.set(m[1]!, Number(m[2]));
  }
  const hostTotal = hostKb.get("MemTotal") ?? 0;
  const total = l.memoryLimit !== undefined && l.memoryLimit >= 0 ? Math.min(kB(l.memoryLimit), hostTotal) : hostTotal;
  const used = l.usage ? kB(l.usage.current) : hostTotal - (hostKb.get("MemFree") ?? 0);
  const free = Math.max(0, total - used);
  const swapTotal = l.swapLimit === undefined ? (hostKb.get("SwapTotal") ?? 0) : Math.min(kB(l.swapLimit), hostKb.get("SwapTotal") ?? 0);
  const own: Record<string, number> = {
    MemTotal: total,
    MemFree: free,
    MemAvailable: Math.min(free + (l.usage ? kB(l.usage.file) : 0), hostKb.get("MemAvailable") ?? total, total),
    SwapTotal: swapTotal,
    SwapFree: Math.max(0, swapTotal - (l.usage ? kB(l.usage.swap) : 0)),
    ...(l.usage ? { Buffers: 0, Cached: kB(l.usage.file), Shmem: kB(l.usage.shmem), SwapCached: 0 } : {}),
  };
  return host
    .split("\n")
    .map((line) => {
      const m = /^([^:]+):(\s+)(\d+)( kB)?$/.exec(line);
      if (!m) return line;
      const [, key, , value, unit] = m;
      const v = own[key!] ?? (unit ? Math.min(Number(value), total) : Number(value));
      return `${`${key}:`.padEnd(16)}${String(v).padStart(8)}${unit ?? ""}`;
    })
    .join("\n");
};

/** "0-2,4" -> [0, 1, 2, 4]. */
export const parseCpuList = (list: string): number[] =>
  list
    .trim()
    .split(",")
    .filter(Boolean)
    .flatMap((part) => {
      const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
      if (!m) throw new Error(`Cannot read CPU list: '${list}' is not like '0-2,4'`);
      const a = Number(m[1]);
      const b = m[2] === undefined ? a : Number(m[2]);
      return Array.from({ length: Math.max(0, b - a + 1) }, (_, i) => a + i);
    });

/** [0, 1, 2, 4] -> "0-2,4", the kernel's own format. */
export const formatCpuList = (cpus: readonly number[]): string => {
  const sorted = [...new Set(cpus)].sort((a, b) => a - b);
  const runs: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    runs.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return runs.join(",");
};

/** The CPUs a program should count: the cpuset within the online ones, cut to ceil(quota / period) under a quota. */
export const allowedCpus = (hostOnline: string, l: LimitsInput): number[] => {
  const online = parseCpuList(hostOnline);
  let set = l.cpus ? parseCpuList(l.cpus).filter((c) => online.includes(c)) : online;
  if (!set.length) set = online;
  if (l.quota !== undefined && l.quota > 0 && l.period) set = set.slice(0, Math.max(1, Math.ceil(l.quota / l.period)));
  return set;
};

export const renderCpuOnline = (hostOnline: string, l: LimitsInput): string => `${formatCpuList(allowedCpus(hostOnline, l))}\n`;

/** Limits as linux.resources states them (memory.swap counts memory plus swap, as on cgroup v1). */
export const limitsOf = (r: LinuxResources | undefined, usage?: MemoryUsage): LimitsInput => {
  const limit = r?.memory?.limit;
  const memsw = r?.memory?.swap;
  return {
    ...(limit !== undefined && limit >= 0 ? { memoryLimit: limit } : {}),
    ...(limit !== undefined && limit >= 0 && memsw !== undefined && memsw >= 0 ? { swapLimit: Math.max(0, memsw - limit) } : {}),
    ...(usage ? { usage } : {}),
    ...(r?.cpu?.cpus ? { cpus: r.cpu.cpus } : {}),
    ...(r?.cpu?.quota !== undefined && r.cpu.quota > 0 ? { quota: r.cpu.quota, period: r.cpu.period ?? 100_000 } : {}),
  };
};

const writeInPlace = (path: string, text: string): void => {
  const fd = openSync(path, O.WRONLY | O.CREAT | O.TRUNC | O.CLOEXEC, 0o444);
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
};

/** Renders both files into `dir` (created if needed) from the host's files and the limits; in place on re-render. */
export const writeLimitsView = (dir: string, host: { meminfo: string; cpuOnline: string }, l: LimitsInput): void => {
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o755 });
  writeInPlace(posix.join(dir, "meminfo"), renderMeminfo(host.meminfo, l));
  writeInPlace(posix.join(dir, "cpu-online"), renderCpuOnline(host.cpuOnline, l));
};

/** The OCI mounts that show the view; they go after the proc and sysfs mounts they cover. */
export const limitsViewMounts = (dir: string): Mount[] => [
  { destination: VIEW_FILES.meminfo, source: posix.join(dir, "meminfo"), type: "bind", options: ["bind", "ro", "nosuid", "nodev", "noexec"] },
  { destination: VIEW_FILES.cpuOnline, source: posix.join(dir, "cpu-online"), type: "bind", options: ["bind", "ro", "nosuid", "nodev", "noexec"] },
];

/**
 * What `create` and `update` call: renders the view of `resources` into `dir` from this host's files and returns the
 * mounts for the container's config (create appends them after its proc and sysfs mounts; update ignores them).
 */
export const renderLimitsView = (dir: string, resources: LinuxResources | undefined, usage?: MemoryUsage): Mount[] => {
  const host = { meminfo: readFileSync(VIEW_FILES.meminfo, "utf8"), cpuOnline: readFileSync(VIEW_FILES.cpuOnline, "utf8") };
  writeLimitsView(dir, host, limitsOf(resources, usage));
  return limitsViewMounts(dir);
};
