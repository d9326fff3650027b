// How the kernel schedules a process: sched_setattr(2), ioprio_set(2), sched_setaffinity(2) and personality(2), each
// on the calling process (the setup stage, whose settings the user's program inherits through execve).
import { syscallNumber } from "./arch.ts";
import { check } from "./check.ts";
import { addr } from "./cstring.ts";
import { libc } from "./libc.ts";

/** struct sched_attr's fields, as numbers (bigint where the kernel's field is 64 bits). */
export interface SchedAttr {
  policy: number;
  flags: bigint;
  nice: number;
  priority: number;
  runtime: bigint;
  deadline: bigint;
  period: bigint;
}

/** SCHED_ATTR_SIZE_VER1: the utilization clamps are included, so SCHED_FLAG_UTIL_CLAMP_* is accepted. */
const SCHED_ATTR_SIZE = 56;
/** A clamp of -1 resets it to the default (the spec names the flags but carries no clamp values). */
const UCLAMP_RESET = 0xffff_ffff;

/** The 56 bytes of struct sched_attr (natural alignment, the same on x86_64 and aarch64). */
export const encodeSchedAttr = (a: SchedAttr): Buffer => {
  const b = Buffer.alloc(SCHED_ATTR_SIZE);
  b.writeUInt32LE(SCHED_ATTR_SIZE, 0);
  b.writeUInt32LE(a.policy, 4);
  b.writeBigUInt64LE(a.flags, 8);
  b.writeInt32LE(a.nice, 16);
  b.writeUInt32LE(a.priority, 20);
  b.writeBigUInt64LE(a.runtime, 24);
  b.writeBigUInt64LE(a.deadline, 32);
  b.writeBigUInt64LE(a.period, 40);
  b.writeUInt32LE(UCLAMP_RESET, 48);
  b.writeUInt32LE(UCLAMP_RESET, 52);
  return b;
};

export const schedSetattr = (a: SchedAttr): void => {
  const buf = encodeSchedAttr(a);
  check("sched_setattr", `policy ${a.policy}`, libc.syscall(syscallNumber("sched_setattr"), 0n, addr(buf), 0n, 0n, 0n, 0n));
};

/** ioprio_set(IOPRIO_WHO_PROCESS, 0, value): `value` is (class << 13) | level. */
export const ioprioSet = (which: number, value: number): void =>
  void check("ioprio_set", `0x${value.toString(16)}`, libc.syscall(syscallNumber("ioprio_set"), BigInt(which), 0n, BigInt(value), 0n, 0n, 0n));

export const personality = (persona: number): void => void check("personality", `0x${persona.toString(16)}`, libc.personality(BigInt(persona)));

/** Pins the calling process to `cpus` (CPU numbers). */
export const schedSetaffinity = (cpus: readonly number[]): void => {
  const mask = new BigUint64Array(Math.floor(Math.max(0, ...cpus) / 64) + 1);
  for (const c of cpus) mask[c >> 6] = (mask[c >> 6] ?? 0n) | (1n << BigInt(c & 63));
  check("sched_setaffinity", `[${cpus.join(",")}]`, libc.sched_setaffinity(0, BigInt(mask.byteLength), mask));
};
