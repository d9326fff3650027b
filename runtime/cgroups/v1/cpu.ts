// cgroup v1 cpu: shares, CFS quota/period/burst, realtime runtime/period, idle; throttling statistics from cpu.stat.
import type { Controller } from "../controller.ts";
import { codeOf } from "../fs.ts";
import { readKeyedCounts, writeFile } from "../files.ts";
import { asksCpu } from "../resource-checks.ts";

export const cpuV1: Controller = {
  name: "cpu",
  resource: "cpu",
  wanted: asksCpu,
  apply: (r, dir, fs) => {
    const c = r.cpu;
    if (!c) return;
    if (c.shares) writeFile(fs, dir, "cpu.shares", c.shares);
    let periodPending = false;
    if (c.period) {
      try {
        writeFile(fs, dir, "cpu.cfs_period_us", c.period);
      } catch (err) {
        // A shorter period can exceed the parent's quota with the old quota (EINVAL): retry after the quota.
        if (codeOf((err as Error).cause) !== "EINVAL" || !c.quota) throw err;
        periodPending = true;
      }
    }
    if (c.quota) {
      writeFile(fs, dir, "cpu.cfs_quota_us", c.quota);
      if (periodPending) writeFile(fs, dir, "cpu.cfs_period_us", c.period!);
    }
    if (c.burst !== undefined) writeFile(fs, dir, "cpu.cfs_burst_us", c.burst);
    if (c.realtimePeriod) writeFile(fs, dir, "cpu.rt_period_us", c.realtimePeriod);
    if (c.realtimeRuntime) writeFile(fs, dir, "cpu.rt_runtime_us", c.realtimeRuntime);
    if (c.idle !== undefined) writeFile(fs, dir, "cpu.idle", c.idle);
  },
  stats: (dir, fs, out) => {
    const s = readKeyedCounts(fs, dir, "cpu.stat");
    out.cpu.throttling = { periods: s.nr_periods ?? 0, throttled_periods: s.nr_throttled ?? 0, throttled_time: s.throttled_time ?? 0 };
  },
};
