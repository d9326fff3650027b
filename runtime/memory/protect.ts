// What a container's memory policy sets up front, once its cgroup exists: protection (memory.low) per class, the
// swap allowance (memory.swap.max on v2, memsw on v1) and swappiness where the kernel has it per cgroup (v1).
import { isUnlimited } from "../cgroups/files.ts";
import type { CgroupFs } from "../cgroups/fs.ts";
import { CLASS_PROFILES } from "./classes.ts";
import type { MemoryCgroupPaths } from "./observation.ts";
import type { MemoryPolicy } from "./policy.ts";

/** The writes, as [file, value] pairs in order; exported so they can be checked without a cgroup. */
export const policyWrites = (fs: CgroupFs, where: MemoryCgroupPaths, p: MemoryPolicy): [string, string][] => {
  const profile = CLASS_PROFILES[p.class];
  const out: [string, string][] = [];
  if ("v2" in where) {
    if (profile.low !== undefined) out.push([`${where.v2}/memory.low`, String(profile.low)]);
    if (p.swap !== undefined && fs.exists(`${where.v2}/memory.swap.max`)) out.push([`${where.v2}/memory.swap.max`, String(p.swap)]);
    return out;
  }
  const m = where.v1.memory;
  out.push([`${m}/memory.swappiness`, String(profile.swappiness)]);
  if (p.swap !== undefined && fs.exists(`${m}/memory.memsw.limit_in_bytes`)) {
    const limit = Number(fs.read(`${m}/memory.limit_in_bytes`).trim());
    // memsw counts memory plus swap and is only meaningful under a memory limit.
    if (!isUnlimited(limit)) out.push([`${m}/memory.memsw.limit_in_bytes`, p.swap === "max" ? "-1" : String(limit + p.swap)]);
  }
  return out;
};

export const applyMemoryPolicy = (fs: CgroupFs, where: MemoryCgroupPaths, p: MemoryPolicy): void => {
  for (const [file, value] of policyWrites(fs, where, p)) {
    try {
      fs.write(file, value);
    } catch (cause) {
      throw new Error(`Applying the memory policy: writing '${value}' to '${file}'`, { cause });
    }
  }
};
