// process.scheduler: sched_setattr(2) on the stage, which the program inherits through execve. Applied after the
// stage joined its cgroup (a real-time task cannot move into a cgroup without a real-time budget) and before the
// capabilities are dropped (a real-time policy needs CAP_SYS_NICE).
import type { Syscalls } from "../../ffi/syscalls.ts";
import type { SchedulerStep } from "../spec/scheduler.ts";

export const applyScheduler = (sys: Pick<Syscalls, "schedSetattr">, s: SchedulerStep | null): void => {
  if (!s) return;
  sys.schedSetattr({
    policy: s.policy,
    flags: BigInt(s.flags),
    nice: s.nice,
    priority: s.priority,
    runtime: BigInt(s.runtime),
    deadline: BigInt(s.deadline),
    period: BigInt(s.period),
  });
};
