// openat2(2) (Linux 5.6+): path resolution scoped by the kernel (RESOLVE_IN_ROOT, RESOLVE_NO_SYMLINKS, ...).
import { syscallNumber } from "./arch.ts";
import { check, q } from "./check.ts";
import { addr, cstr } from "./cstring.ts";
import { libc } from "./libc.ts";

/** struct open_how: u64 flags, u64 mode, u64 resolve; 24 bytes on every architecture. */
const OPEN_HOW_SIZE = 24;

export const openat2 = (dirfd: number, path: string, flags: number, mode: number, resolve: number): number => {
  const how = new BigUint64Array([BigInt(flags), BigInt(mode), BigInt(resolve)]);
  const p = cstr(path);
  return check("openat2", q(path), libc.syscall(syscallNumber("openat2"), BigInt(dirfd), addr(p), addr(how), BigInt(OPEN_HOW_SIZE), 0n, 0n));
};
