// What linux.resources asks of a controller, shared by the v1 and v2 drivers: whether it asks anything of the cpu
// controller, and memory's checkBeforeUpdate guard.
import type { LinuxMemory, LinuxResources } from "../spec/resources.ts";

/** Whether linux.resources.cpu asks anything of the cpu controller (cpus and mems are cpuset's). */
export const asksCpu = (r: LinuxResources): boolean => {
  const c = r.cpu;
  return !!c && [c.shares, c.quota, c.period, c.burst, c.realtimePeriod, c.realtimeRuntime, c.idle].some((v) => v !== undefined);
};

/** Refuses a limit below what the cgroup already uses (linux.resources.memory.checkBeforeUpdate). */
export const checkLimitAboveUsage = (m: LinuxMemory, usage: () => number, dir: string): void => {
  if (!m.checkBeforeUpdate || m.limit === undefined || m.limit <= 0) return;
  if (m.limit < usage()) {
    throw new Error(`Setting the memory limit of '${dir}' to '${m.limit}': the memory limit is too low: usage is ${usage()} bytes`);
  }
};
