// cgroup v2 memory: memory.max, memory.swap.max (converted from v1's memory+swap), memory.low; memory.high and
// memory.min come through `unified`. swappiness, disableOOMKiller and kernel limits have no v2 file: the manager
// refuses them (v1-only.ts). Statistics from memory.stat, memory.current/peak and memory.events.
import type { Controller } from "../controller.ts";
import { swapToV2, v2Limit } from "../convert.ts";
import { codeOf, type CgroupFs } from "../fs.ts";
import { readCount, readCountOr0, readKeyed, readKeyedCounts, readNumber, writeFile } from "../files.ts";
import { checkLimitAboveUsage } from "../resource-checks.ts";

export const memoryV2: Controller = {
  name: "memory",
  resource: "memory",
  wanted: (r) => {
    const m = r.memory;
    return !!m && [m.limit, m.swap, m.reservation].some((v) => v !== undefined && v !== 0);
  },
  apply: (r, dir, fs) => {
    const m = r.memory;
    if (!m) return;
    checkLimitAboveUsage(m, () => readNumber(fs, dir, "memory.current"), dir);
    const swap = swapToV2(m.swap ?? 0, m.limit ?? 0);
    // Equal memory and memory+swap means no swap at all.
    const swapText = swap === 0 && (m.swap ?? 0) > 0 ? "0" : v2Limit(swap);
    if (swapText) {
      try {
        writeFile(fs, dir, "memory.swap.max", swapText);
      } catch (err) {
        // Without swap accounting there is nothing to limit: "max" and "0" are then already true.
        if (!(codeOf((err as Error).cause) === "ENOENT" && (swapText === "max" || swapText === "0"))) throw err;
      }
    }
    const limit = v2Limit(m.limit);
    if (limit) writeFile(fs, dir, "memory.max", limit);
    const low = v2Limit(m.reservation);
    if (low) writeFile(fs, dir, "memory.low", low);
  },
  stats: (dir, fs, out) => {
    const raw = readKeyedCounts(fs, dir, "memory.stat");
    const events = readKeyedCounts(fs, dir, "memory.events");
    out.memory.raw = raw;
    out.memory.cache = raw.file ?? 0;
    out.memory.usage = {
      usage: readCount(fs, dir, "memory.current"),
      limit: readCount(fs, dir, "memory.max"),
      max: readCountOr0(fs, dir, "memory.peak"),
      failcnt: events.max ?? 0,
    };
    if (fs.exists(`${dir}/memory.swap.current`)) {
      out.memory.swap = {
        usage: readCount(fs, dir, "memory.swap.current"),
        limit: readCount(fs, dir, "memory.swap.max"),
        max: readCountOr0(fs, dir, "memory.swap.peak"),
        failcnt: readKeyedCounts(fs, dir, "memory.swap.events").fail ?? 0,
      };
    }
  },
};

/** OOM kills so far, from memory.events. */
export const oomKillsV2 = (fs: CgroupFs, dir: string): number => readKeyed(fs, dir, "memory.events").oom_kill ?? 0;
