// process.scheduler and process.ioPriority: the spec's names -> the numbers of sched_setattr(2) and ioprio_set(2),
// and the rules the kernel would otherwise answer with a bare EINVAL after `start`.
import { IOPRIO_CLASS, IOPRIO_CLASS_SHIFT, SCHED, SCHED_FLAG } from "../../ffi/constants.ts";
import { nameTable } from "./name-table.ts";
import type { Problem } from "./problem.ts";

const policies = nameTable("SCHED_", SCHED, "scheduler policy");
const flags = nameTable("SCHED_FLAG_", SCHED_FLAG, "scheduler flag");
const ioClasses = nameTable("IOPRIO_CLASS_", IOPRIO_CLASS, "I/O priority class");

export const SCHEDULER_FLAG_NAMES = flags.names;

/** The spec's scheduler object, structurally (config.ts owns the schema). */
export interface SchedulerSpec {
  policy: string;
  nice?: number;
  priority?: number;
  flags?: string[];
  runtime?: number;
  deadline?: number;
  period?: number;
}

/** What the setup stage passes to sched_setattr; 64-bit fields as decimal strings (the plan is JSON). */
export interface SchedulerStep {
  policy: number;
  flags: string;
  nice: number;
  priority: number;
  runtime: string;
  deadline: string;
  period: string;
}

const REALTIME = new Set(["SCHED_FIFO", "SCHED_RR"]);
/** The kernel's smallest SCHED_DEADLINE runtime (1 << DL_SCALE ns). */
const MIN_DEADLINE_RUNTIME = 1024;

/** runc's rules (validator.go) plus the kernel's (sched_setattr(2), __checkparam_dl) for what it would refuse. */
export const schedulerProblems = (s: SchedulerSpec, at: string): Problem[] => {
  const out: Problem[] = [];
  const problem = (field: string, detail: string) => out.push({ pointer: `${at}${field}`, detail });
  if (s.policy === "SCHED_ISO") problem("/policy", "SCHED_ISO is reserved: the Linux kernel does not implement it");
  s.flags?.forEach((f, i) => {
    if (!flags.has(f)) problem(`/flags/${i}`, `Unknown scheduler flag '${f}' (known: ${flags.names.join(", ")})`);
  });
  const priority = s.priority ?? 0;
  if (REALTIME.has(s.policy) && priority === 0) problem("/priority", `${s.policy} needs a priority from 1 to 99`);
  if (!REALTIME.has(s.policy) && priority !== 0) problem("/priority", "Only SCHED_FIFO and SCHED_RR take a priority");
  const { runtime = 0, deadline = 0, period = 0 } = s;
  if (s.policy !== "SCHED_DEADLINE") {
    if (runtime || deadline || period) problem("", "runtime, deadline and period are for SCHED_DEADLINE only");
  } else if (runtime < MIN_DEADLINE_RUNTIME) problem("/runtime", `SCHED_DEADLINE needs a runtime of at least ${MIN_DEADLINE_RUNTIME} ns`);
  else if (deadline < runtime) problem("/deadline", "SCHED_DEADLINE needs runtime <= deadline");
  else if (period !== 0 && period < deadline) problem("/period", "SCHED_DEADLINE needs deadline <= period (or no period)");
  return out;
};

export const schedulerStep = (s: SchedulerSpec): SchedulerStep => ({
  policy: policies.number(s.policy),
  flags: String((s.flags ?? []).reduce((m, f) => m | flags.number(f), 0)),
  nice: s.nice ?? 0,
  priority: s.priority ?? 0,
  runtime: String(BigInt(s.runtime ?? 0)),
  deadline: String(BigInt(s.deadline ?? 0)),
  period: String(BigInt(s.period ?? 0)),
});

/** ioprio_set's value: the class above IOPRIO_CLASS_SHIFT, the level (0..7, checked by the schema) below. */
export const ioPriorityValue = (p: { class: string; priority: number }): number =>
  (ioClasses.number(p.class) << IOPRIO_CLASS_SHIFT) | p.priority;
