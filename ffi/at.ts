// Calls on a name under a directory descriptor (the *at family): with a resolved parent and a single final name,
// nothing else of the path is looked up again.
import { syscallNumber } from "./arch.ts";
import { check, q } from "./check.ts";
import { addr, cstr } from "./cstring.ts";
import { libc } from "./libc.ts";

/** PATH_MAX: no symlink target is longer. */
const PATH_MAX = 4096;

export const mkdirat = (dirfd: number, name: string, mode: number): void =>
  void check("mkdirat", q(name), libc.mkdirat(dirfd, cstr(name), mode));

/** `dev` is makedev()'s value; the kernel takes the 32-bit encoding, which it equals for majors < 4096. */
export const mknodat = (dirfd: number, name: string, mode: number, dev: bigint): void => {
  if (dev > 0xffffffffn) throw new RangeError(`Device number out of range for mknodat: ${q(name)}`);
  const p = cstr(name);
  check("mknodat", q(name), libc.syscall(syscallNumber("mknodat"), BigInt(dirfd), addr(p), BigInt(mode), dev, 0n, 0n));
};

export const symlinkat = (target: string, dirfd: number, name: string): void =>
  void check("symlinkat", `${q(name)} -> ${q(target)}`, libc.symlinkat(cstr(target), dirfd, cstr(name)));

/** flags: AT_EMPTY_PATH links the file `olddirfd` itself (needs CAP_DAC_READ_SEARCH); 0 links a final symlink itself. */
export const linkat = (olddirfd: number, oldname: string, newdirfd: number, newname: string, flags: number): void =>
  void check("linkat", `${q(oldname)} -> ${q(newname)}`, libc.linkat(olddirfd, cstr(oldname), newdirfd, cstr(newname), flags));

/** flags: AT_REMOVEDIR removes an empty directory. */
export const unlinkat = (dirfd: number, name: string, flags: number): void =>
  void check("unlinkat", q(name), libc.unlinkat(dirfd, cstr(name), flags));

/** flags: RENAME_NOREPLACE, RENAME_EXCHANGE, RENAME_WHITEOUT (0 is renameat). */
export const renameat2 = (olddirfd: number, oldname: string, newdirfd: number, newname: string, flags: number): void => {
  const a = cstr(oldname);
  const b = cstr(newname);
  check("renameat2", `${q(oldname)} -> ${q(newname)}`, libc.syscall(syscallNumber("renameat2"), BigInt(olddirfd), addr(a), BigInt(newdirfd), addr(b), BigInt(flags), 0n));
};

/** flags: AT_SYMLINK_NOFOLLOW changes a final symlink itself; AT_EMPTY_PATH with "" changes `dirfd` (O_PATH works). */
export const fchownat = (dirfd: number, name: string, uid: number, gid: number, flags: number): void =>
  void check("fchownat", q(name), libc.fchownat(dirfd, cstr(name), uid, gid, flags));

export const fchown = (fd: number, uid: number, gid: number): void => void check("fchown", `fd ${fd}`, libc.fchown(fd, uid, gid));

/** The kernel's fchmodat takes no flags before Linux 6.6: it always follows a final symlink. */
export const fchmodat = (dirfd: number, name: string, mode: number): void =>
  void check("fchmodat", q(name), libc.fchmodat(dirfd, cstr(name), mode, 0));

export const fchmod = (fd: number, mode: number): void => void check("fchmod", `fd ${fd}`, libc.fchmod(fd, mode));

export interface Timespec {
  sec: bigint;
  nsec: number;
}

/** UTIME_NOW and UTIME_OMIT as nsec values. */
export const UTIME = { NOW: (1 << 30) - 1, OMIT: (1 << 30) - 2 } as const;

/** Sets access and modification times; flags: AT_SYMLINK_NOFOLLOW for a final symlink itself. */
export const utimensat = (dirfd: number, name: string, atime: Timespec, mtime: Timespec, flags: number): void => {
  // struct timespec[2]: two { i64 tv_sec; i64 tv_nsec } on x86_64 and aarch64.
  const times = new BigInt64Array([atime.sec, BigInt(atime.nsec), mtime.sec, BigInt(mtime.nsec)]);
  check("utimensat", q(name), libc.utimensat(dirfd, cstr(name), times, flags));
};

/** The target of the symlink `name` under `dirfd` ("" with an O_PATH|O_NOFOLLOW descriptor of the link itself). */
export const readlinkat = (dirfd: number, name: string): string => {
  const buf = Buffer.alloc(PATH_MAX + 1);
  const n = check("readlinkat", q(name), libc.readlinkat(dirfd, cstr(name), buf, BigInt(buf.length)));
  return buf.toString("utf8", 0, n);
};
