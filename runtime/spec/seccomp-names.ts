// The vocabulary of linux.seccomp: libseccomp's names for actions, comparison operators and architectures, and the
// seccomp(2) filter flags the runtime-spec names. The compiler (runtime/seccomp/) gives them their meaning.
import type { Arch } from "../../ffi/arch.ts";
import { SECCOMP_FILTER_FLAG } from "../../ffi/constants.ts";

export const SECCOMP_ACTIONS = [
  "SCMP_ACT_KILL",
  "SCMP_ACT_KILL_PROCESS",
  "SCMP_ACT_KILL_THREAD",
  "SCMP_ACT_TRAP",
  "SCMP_ACT_ERRNO",
  "SCMP_ACT_TRACE",
  "SCMP_ACT_ALLOW",
  "SCMP_ACT_LOG",
  "SCMP_ACT_NOTIFY",
] as const;
export type SeccompActionName = (typeof SECCOMP_ACTIONS)[number];

/** The actions that carry an errno (`errnoRet`, `defaultErrnoRet`); the spec asks runtimes to refuse it elsewhere. */
export const ERRNO_ACTIONS: readonly SeccompActionName[] = ["SCMP_ACT_ERRNO", "SCMP_ACT_TRACE"];

export const SECCOMP_OPERATORS = [
  "SCMP_CMP_NE",
  "SCMP_CMP_LT",
  "SCMP_CMP_LE",
  "SCMP_CMP_EQ",
  "SCMP_CMP_GE",
  "SCMP_CMP_GT",
  "SCMP_CMP_MASKED_EQ",
] as const;
export type SeccompOperatorName = (typeof SECCOMP_OPERATORS)[number];

/** Architectures bunker has syscall tables for (runtime/seccomp/syscall-tables.ts): the kernels it runs on report these. */
export const SECCOMP_ARCHES = ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"] as const;
export type SeccompArchName = (typeof SECCOMP_ARCHES)[number];

/** The running machine's architecture, and the ones its kernel can also run (compat tasks), in filter order. */
export const ARCHES_OF: Record<Arch, { native: SeccompArchName; also: readonly SeccompArchName[] }> = {
  x64: { native: "SCMP_ARCH_X86_64", also: ["SCMP_ARCH_X86", "SCMP_ARCH_X32"] },
  arm64: { native: "SCMP_ARCH_AARCH64", also: ["SCMP_ARCH_ARM"] },
};

/** libseccomp's other architectures: valid in a profile, but an x86_64 or aarch64 kernel never runs their syscalls. */
const FOREIGN_SECCOMP_ARCHES = [
  "SCMP_ARCH_MIPS",
  "SCMP_ARCH_MIPS64",
  "SCMP_ARCH_MIPS64N32",
  "SCMP_ARCH_MIPSEL",
  "SCMP_ARCH_MIPSEL64",
  "SCMP_ARCH_MIPSEL64N32",
  "SCMP_ARCH_PPC",
  "SCMP_ARCH_PPC64",
  "SCMP_ARCH_PPC64LE",
  "SCMP_ARCH_S390",
  "SCMP_ARCH_S390X",
  "SCMP_ARCH_PARISC",
  "SCMP_ARCH_PARISC64",
  "SCMP_ARCH_RISCV64",
  "SCMP_ARCH_LOONGARCH64",
  "SCMP_ARCH_M68K",
  "SCMP_ARCH_SH",
  "SCMP_ARCH_SHEB",
] as const;

export const SECCOMP_ARCH_NAMES = [...SECCOMP_ARCHES, ...FOREIGN_SECCOMP_ARCHES] as const;

/** The flags of linux.seccomp.flags, as seccomp(2) bits. */
export const SECCOMP_FLAGS = {
  SECCOMP_FILTER_FLAG_TSYNC: SECCOMP_FILTER_FLAG.TSYNC,
  SECCOMP_FILTER_FLAG_LOG: SECCOMP_FILTER_FLAG.LOG,
  SECCOMP_FILTER_FLAG_SPEC_ALLOW: SECCOMP_FILTER_FLAG.SPEC_ALLOW,
  SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV: SECCOMP_FILTER_FLAG.WAIT_KILLABLE_RECV,
} as const;
type SeccompFlagName = keyof typeof SECCOMP_FLAGS;
export const SECCOMP_FLAG_NAMES = Object.keys(SECCOMP_FLAGS) as SeccompFlagName[];

/**
 * Syscalls the setup stage makes itself after loading a notifying filter, to hand its listener the fd: a notification
 * there would wait for a listener that has no fd yet (runc refuses `write` for the same reason).
 */
export const NOTIFY_FORBIDDEN = ["write", "sendmsg"] as const;
