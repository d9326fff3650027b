// statx(2): what an entry is, read from a descriptor or a name under one; struct statx is the same on every architecture.
import { syscallNumber } from "./arch.ts";
import { check, q } from "./check.ts";
import { addr, cstr } from "./cstring.ts";
import { libc } from "./libc.ts";

const STATX_BASIC_STATS = 0x7ff;
const STATX_MNT_ID = 0x1000;
const STATX_SIZE = 256;

export interface Stat {
  /** File type and permission bits (st_mode). */
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  size: bigint;
  ino: bigint;
  /** The device the entry is on, and for device nodes the device it is. */
  dev: { major: number; minor: number };
  rdev: { major: number; minor: number };
  mtime: { sec: bigint; nsec: number };
  /** The mount the entry was reached through (0 before Linux 5.8). */
  mntId: bigint;
}

/** struct statfs is 120 bytes on both architectures; f_type, a long, comes first. */
const STATFS_SIZE = 120;

/** fstatfs(2)'s f_type: the kind of file system `fd` (an O_PATH descriptor will do) is on, such as PROC_SUPER_MAGIC. */
export const fstatfsType = (fd: number): number => {
  const buf = Buffer.alloc(STATFS_SIZE);
  check("fstatfs", `fd ${fd}`, libc.syscall(syscallNumber("fstatfs"), BigInt(fd), addr(buf), 0n, 0n, 0n, 0n));
  return Number(buf.readBigInt64LE(0));
};

/** statx(dirfd, path, flags): AT_EMPTY_PATH with "" describes `dirfd` itself, AT_SYMLINK_NOFOLLOW a final link. */
export const statx = (dirfd: number, path: string, flags: number): Stat => {
  const buf = Buffer.alloc(STATX_SIZE);
  const p = cstr(path);
  check("statx", q(path), libc.syscall(syscallNumber("statx"), BigInt(dirfd), addr(p), BigInt(flags), BigInt(STATX_BASIC_STATS | STATX_MNT_ID), addr(buf), 0n));
  return {
    mode: buf.readUInt16LE(28),
    uid: buf.readUInt32LE(20),
    gid: buf.readUInt32LE(24),
    nlink: buf.readUInt32LE(16),
    ino: buf.readBigUInt64LE(32),
    size: buf.readBigUInt64LE(40),
    mtime: { sec: buf.readBigInt64LE(112), nsec: buf.readUInt32LE(120) },
    rdev: { major: buf.readUInt32LE(128), minor: buf.readUInt32LE(132) },
    dev: { major: buf.readUInt32LE(136), minor: buf.readUInt32LE(140) },
    mntId: buf.readBigUInt64LE(144),
  };
};
