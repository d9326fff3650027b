// seccomp(2): loading a classic BPF filter into the calling process, and asking the kernel which filter flags it knows.
import { ptr } from "bun:ffi";
import { syscallNumber } from "./arch.ts";
import { check } from "./check.ts";
import { SECCOMP_FILTER_FLAG, SECCOMP_SET_MODE_FILTER } from "./constants.ts";
import { errnoName, errnoNumber } from "./errno.ts";
import { errno, libc } from "./libc.ts";

const seccomp = (flags: number, fprog: Buffer | null): number =>
  Number(libc.syscall(syscallNumber("seccomp"), BigInt(SECCOMP_SET_MODE_FILTER), BigInt(flags), fprog ? BigInt(ptr(fprog)) : 0n, 0n, 0n, 0n));

/**
 * Installs `program` (struct sock_filter[]) as a filter of the calling thread, of all its threads with TSYNC. Returns
 * the notification listener's fd with NEW_LISTENER, else 0. Needs no_new_privs or CAP_SYS_ADMIN.
 */
export const loadSeccompFilter = (program: Uint8Array, flags: number): number => {
  // struct sock_fprog { unsigned short len; struct sock_filter *filter; }
  const fprog = Buffer.alloc(16);
  fprog.writeUInt16LE(program.length / 8, 0);
  fprog.writeBigUInt64LE(BigInt(ptr(program)), 8);
  const ret = check("seccomp", `SECCOMP_SET_MODE_FILTER of ${program.length / 8} instructions, flags 0x${flags.toString(16)}`, seccomp(flags, fprog));
  // Without TSYNC_ESRCH a failed TSYNC returns the id of the thread that could not be synchronized.
  if (flags & SECCOMP_FILTER_FLAG.TSYNC && !(flags & SECCOMP_FILTER_FLAG.TSYNC_ESRCH) && ret > 0)
    throw new Error(`seccomp SECCOMP_FILTER_FLAG_TSYNC: thread ${ret} has a filter of its own`);
  return ret;
};

/**
 * null when the kernel knows every bit of `flags` (as a combination), else the errno it answers (EINVAL). The call
 * passes no program: the kernel checks the flags first, then fails to read the program (EFAULT), installing nothing.
 */
export const seccompFlagsRefused = (flags: number): string | null => {
  const ret = seccomp(flags, null);
  const code = errno();
  if (ret !== -1) throw new Error("seccomp with no program succeeded");
  return code === errnoNumber("EFAULT") ? null : errnoName(code);
};
