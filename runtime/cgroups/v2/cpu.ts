// cgroup v2 cpu: cpu.weight (converted from shares), cpu.max (quota and period), cpu.max.burst, cpu.idle.
// Realtime budgets have no v2 interface; asking for one is an error rather than a silent no-op.
import type { Controller } from "../controller.ts";
import { sharesToWeight } from "../convert.ts";
import { type Count, readKeyedCounts, scaleCount, writeFile } from "../files.ts";
import { asksCpu } from "../resource-checks.ts";

export const cpuV2: Controller = {
  name: "cpu",
  resource: "cpu",
  wanted: asksCpu,
  apply: (r, dir, fs) => {
    const c = r.cpu;
    if (!c) return;
    if (c.realtimePeriod || c.realtimeRuntime) {
      throw new Error(`Applying linux.resources.cpu to '${dir}': realtimePeriod and realtimeRuntime need cgroup v1`);
    }
    const weight = sharesToWeight(c.shares ?? 0);
    if (weight) writeFile(fs, dir, "cpu.weight", weight);
    if (c.idle !== undefined) writeFile(fs, dir, "cpu.idle", c.idle);
    if (c.quota || c.period) {
      const quota = c.quota && c.quota > 0 ? String(c.quota) : "max";
      writeFile(fs, dir, "cpu.max", c.period ? `${quota} ${c.period}` : quota);
    }
    if (c.burst !== undefined) writeFile(fs, dir, "cpu.max.burst", c.burst);
  },
  stats: (dir, fs, out) => {
    // cpu.stat is in microseconds; the stats are in nanoseconds, as v1's cpuacct.
    const s = readKeyedCounts(fs, dir, "cpu.stat");
    const ns = (usec: Count | undefined): Count => scaleCount(usec ?? 0, 1000);
    out.cpu.usage = { ...out.cpu.usage, total: ns(s.usage_usec), user: ns(s.user_usec), kernel: ns(s.system_usec) };
    out.cpu.throttling = { periods: s.nr_periods ?? 0, throttled_periods: s.nr_throttled ?? 0, throttled_time: ns(s.throttled_usec) };
  },
};
