import { check, q } from "./check.ts";
import { cstr } from "./cstring.ts";
import { errno, libc } from "./libc.ts";

const EINTR = 4;

export const open = (path: string, flags: number, mode = 0o644): number => check("open", q(path), libc.open(cstr(path), flags, mode));

export const openat = (dirfd: number, path: string, flags: number, mode = 0o644): number =>
  check("openat", q(path), libc.openat(dirfd, cstr(path), flags, mode));

export const close = (fd: number): void => void check("close", `fd ${fd}`, libc.close(fd));

export const dup3 = (oldfd: number, newfd: number, flags: number): void =>
  void check("dup3", `${oldfd} -> ${newfd}`, libc.dup3(oldfd, newfd, flags));

export const pipe2 = (flags: number): [read: number, write: number] => {
  const fds = new Int32Array(2);
  check("pipe2", "", libc.pipe2(fds, flags));
  return [fds[0]!, fds[1]!];
};

/** Reads up to `max` bytes; an empty result means end of file. Retries on EINTR. */
export const read = (fd: number, max: number): Buffer => {
  const buf = Buffer.alloc(max);
  for (;;) {
    const ret = Number(libc.read(fd, buf, BigInt(max)));
    if (ret >= 0) return buf.subarray(0, ret);
    if (errno() !== EINTR) check("read", `fd ${fd}`, ret);
  }
};

/** Writes all of `data`, looping over short writes. */
export const writeAll = (fd: number, data: Uint8Array, what = `fd ${fd}`): void => {
  let off = 0;
  while (off < data.length) {
    const chunk = data.subarray(off);
    off += check("write", what, libc.write(fd, chunk, BigInt(chunk.length)));
  }
};

/** The path through which mount(2) and other path-taking calls reach exactly the object open at `fd`. */
export const procFdPath = (fd: number): string => `/proc/self/fd/${fd}`;

const SYNC_FILE_RANGE_WRITE = 2;

/**
 * Starts writing back the dirty pages of a range (length 0: to the end) without waiting, so that a later fsync or
 * syncfs finds little left to do: durable writes then overlap the work instead of following it.
 */
export const startWriteback = (fd: number, offset: number, length: number): void =>
  void check("sync_file_range", `fd ${fd}`, libc.sync_file_range(fd, BigInt(offset), BigInt(length), SYNC_FILE_RANGE_WRITE));

/** Flushes the whole file system that `fd` is on. */
export const syncfs = (fd: number): void => void check("syncfs", `fd ${fd}`, libc.syncfs(fd));

export const ioctl = (fd: number, request: number, arg: bigint | number): number =>
  check("ioctl", `fd ${fd} 0x${request.toString(16)}`, libc.ioctl(fd, BigInt(request), BigInt(arg)));

export const mknod = (path: string, mode: number, dev: bigint): void => void check("mknod", q(path), libc.mknod(cstr(path), mode, dev));

/** makedev() of glibc and musl: the 64-bit dev_t encoding. */
export const makedev = (major: number, minor: number): bigint =>
  (BigInt(major & 0xfffff000) << 32n) | (BigInt(major & 0xfff) << 8n) | (BigInt(minor & 0xffffff00) << 12n) | BigInt(minor & 0xff);
