// linux.seccomp compiled by the parent into the plan's seccomp step, so the setup stage only has to load it; the
// flags are checked against the running kernel here, so that a filter it cannot load fails `create`.
import { arch } from "../../ffi/arch.ts";
import { SECCOMP_FILTER_FLAG } from "../../ffi/constants.ts";
import { seccompFlagsRefused } from "../../ffi/seccomp.ts";
import { debug } from "../debug.ts";
import { compileSeccomp } from "../seccomp/compile.ts";
import type { LinuxSeccomp } from "../spec/config.ts";
import { SECCOMP_FLAGS } from "../spec/seccomp-names.ts";
import type { SeccompStep } from "./plan.ts";

const FLAG_NAMES: [number, string][] = [
  ...Object.entries(SECCOMP_FLAGS).map(([name, bit]): [number, string] => [bit, name]),
  [SECCOMP_FILTER_FLAG.NEW_LISTENER, "SECCOMP_FILTER_FLAG_NEW_LISTENER (for SCMP_ACT_NOTIFY)"],
  [SECCOMP_FILTER_FLAG.TSYNC_ESRCH, "SECCOMP_FILTER_FLAG_TSYNC_ESRCH (for TSYNC with SCMP_ACT_NOTIFY)"],
];

/** Names the first flag the kernel refuses, or nothing when it takes them all. */
const checkKernelFlags = (flags: number, refused: (flags: number) => string | null): void => {
  const errno = refused(flags);
  if (errno === null) return;
  // WAIT_KILLABLE_RECV is only ever asked for with NEW_LISTENER: probe it the same way.
  const alone = (bit: number): number => (bit === SECCOMP_FILTER_FLAG.WAIT_KILLABLE_RECV ? bit | SECCOMP_FILTER_FLAG.NEW_LISTENER : bit);
  const culprit = FLAG_NAMES.find(([bit]) => flags & bit && refused(alone(bit)) !== null);
  throw new Error(`linux.seccomp: this kernel does not take ${culprit ? `the flag ${culprit[1]}` : `the flags 0x${flags.toString(16)} together`} (${errno})`);
};

export const seccompStep = (s: LinuxSeccomp, refused: (flags: number) => string | null = seccompFlagsRefused): SeccompStep => {
  debug("seccomp: compile");
  // CPU time as well as the timestamps: a busy machine stretches the wall time.
  const cpu = process.cpuUsage();
  const { profile, program } = compileSeccomp(s, arch);
  checkKernelFlags(profile.flags, refused);
  const used = process.cpuUsage(cpu);
  debug(
    `seccomp: ${program.length / 8} instructions for ${profile.arches.map((a) => a.arch.name).join(", ")}, flags 0x${profile.flags.toString(16)}, ${((used.user + used.system) / 1000).toFixed(2)} ms of CPU`,
  );
  if (profile.skipped.length) debug(`seccomp: unknown syscalls skipped: ${profile.skipped.join(" ")}`);
  if (profile.foreign.length) debug(`seccomp: not filtered, this kernel never runs them: ${profile.foreign.join(" ")}`);
  return {
    program: Buffer.from(program).toString("base64"),
    flags: profile.flags,
    listener: profile.notifies && s.listenerPath ? { path: s.listenerPath, metadata: s.listenerMetadata ?? null } : null,
  };
};
