// cgroup v1 cpuacct: nothing to apply; CPU time in total, per CPU, and split into user and kernel.
import type { Controller } from "../controller.ts";
import { parseCount, readCount, readFile, readKeyedCounts, scaleCount } from "../files.ts";

// cpuacct.stat counts USER_HZ ticks, which is 100 on every Linux ABI.
const NS_PER_TICK = 1e9 / 100;

export const cpuacctV1: Controller = {
  name: "cpuacct",
  resource: "",
  wanted: () => false,
  apply: () => {},
  stats: (dir, fs, out) => {
    const ticks = readKeyedCounts(fs, dir, "cpuacct.stat");
    out.cpu.usage = {
      total: readCount(fs, dir, "cpuacct.usage"),
      percpu: readFile(fs, dir, "cpuacct.usage_percpu").split(/\s+/).filter(Boolean).map(parseCount),
      user: scaleCount(ticks.user ?? 0, NS_PER_TICK),
      kernel: scaleCount(ticks.system ?? 0, NS_PER_TICK),
    };
  },
};
