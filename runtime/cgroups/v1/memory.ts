// cgroup v1 memory: limit and memory+swap (written in the order the kernel accepts), soft limit, swappiness,
// the OOM killer switch, kernel TCP memory; statistics from memory.stat and the usage/max/failcnt files.
import type { LinuxMemory } from "../../spec/resources.ts";
import type { Controller } from "../controller.ts";
import { codeOf, type CgroupFs } from "../fs.ts";
import { readCountOr0, readFile, readKeyedCounts, readNumber, writeFile } from "../files.ts";
import { checkLimitAboveUsage } from "../resource-checks.ts";
import type { MemoryEntry } from "../stats.ts";

const LIMIT = "memory.limit_in_bytes";
const MEMSW = "memory.memsw.limit_in_bytes";

const setLimit = (fs: CgroupFs, dir: string, limit: number): void => {
  try {
    writeFile(fs, dir, LIMIT, limit);
  } catch (err) {
    if (codeOf((err as Error).cause) !== "EBUSY") throw err;
    const usage = readNumber(fs, dir, "memory.usage_in_bytes");
    throw new Error(`Setting ${LIMIT} to '${limit}' in '${dir}': the memory limit is too low: usage is ${usage} bytes`, { cause: err });
  }
};

const setLimits = (fs: CgroupFs, dir: string, m: LinuxMemory): void => {
  const limit = m.limit ?? 0;
  let swap = m.swap ?? 0;
  // An unlimited memory without an explicit swap means unlimited swap as well, where the kernel accounts swap.
  if (limit === -1 && swap === 0 && fs.exists(`${dir}/${MEMSW}`)) swap = -1;
  // The kernel refuses limit > memsw: raise memsw first when it grows, else lower the limit first.
  if (limit !== 0 && swap !== 0 && (swap === -1 || readNumber(fs, dir, LIMIT) < swap)) {
    writeFile(fs, dir, MEMSW, swap);
    setLimit(fs, dir, limit);
    return;
  }
  if (limit !== 0) setLimit(fs, dir, limit);
  if (swap !== 0) writeFile(fs, dir, MEMSW, swap);
};

const entry = (fs: CgroupFs, dir: string, prefix: string): MemoryEntry => ({
  limit: readCountOr0(fs, dir, `${prefix}.limit_in_bytes`),
  usage: readCountOr0(fs, dir, `${prefix}.usage_in_bytes`),
  max: readCountOr0(fs, dir, `${prefix}.max_usage_in_bytes`),
  failcnt: readCountOr0(fs, dir, `${prefix}.failcnt`),
});

export const memoryV1: Controller = {
  name: "memory",
  resource: "memory",
  wanted: (r) => r.memory !== undefined,
  apply: (r, dir, fs) => {
    const m = r.memory;
    if (!m) return;
    checkLimitAboveUsage(m, () => readNumber(fs, dir, "memory.usage_in_bytes"), dir);
    setLimits(fs, dir, m);
    if (m.reservation) writeFile(fs, dir, "memory.soft_limit_in_bytes", m.reservation);
    // Kernels since 5.16 refuse kernel memory limits (runc ignores them too); TCP buffers are still limited.
    if (m.kernelTCP) writeFile(fs, dir, "memory.kmem.tcp.limit_in_bytes", m.kernelTCP);
    if (m.swappiness !== undefined) writeFile(fs, dir, "memory.swappiness", m.swappiness);
    if (m.disableOOMKiller) writeFile(fs, dir, "memory.oom_control", "1");
  },
  stats: (dir, fs, out) => {
    const raw = readKeyedCounts(fs, dir, "memory.stat");
    out.memory.raw = raw;
    out.memory.cache = raw.total_cache ?? raw.cache ?? 0;
    out.memory.usage = entry(fs, dir, "memory");
    out.memory.swap = entry(fs, dir, "memory.memsw");
    out.memory.kernel = entry(fs, dir, "memory.kmem");
    out.memory.kernelTCP = entry(fs, dir, "memory.kmem.tcp");
  },
};

/** OOM kills so far (memory.oom_control's oom_kill, kernels since 4.13). */
export const oomKillsV1 = (fs: CgroupFs, dir: string): number =>
  Number(/^oom_kill (\d+)$/m.exec(readFile(fs, dir, "memory.oom_control"))?.[1] ?? 0);
