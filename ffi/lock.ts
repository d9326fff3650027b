import { check, q } from "./check.ts";
import { close, open } from "./fd.ts";
import { SysError } from "./errno.ts";
import { errno, libc } from "./libc.ts";

const LOCK_EX = 2;
const O_RDWR_CREAT_CLOEXEC = 0o2 | 0o100 | 0o2000000;

/** Takes an exclusive flock on `path` (created if missing), blocking; the lock is released by `release` or at exit.
 * `fd` is the locked file's descriptor. */
export const lockFile = (path: string): { fd: number; release(): void } => {
  const fd = open(path, O_RDWR_CREAT_CLOEXEC, 0o600);
  try {
    check("flock", q(path), libc.flock(fd, LOCK_EX));
  } catch (err) {
    close(fd);
    throw err;
  }
  return { fd, release: () => close(fd) };
};

const LOCK_NB = 4;
const EWOULDBLOCK = 11;

/** Like lockFile, but returns undefined at once when another process holds the lock. */
export const tryLockFile = (path: string): { release(): void } | undefined => {
  const fd = open(path, O_RDWR_CREAT_CLOEXEC, 0o600);
  if (libc.flock(fd, LOCK_EX | LOCK_NB) === 0) return { release: () => close(fd) };
  const err = errno();
  close(fd);
  if (err === EWOULDBLOCK) return undefined;
  throw new SysError("flock", err, q(path));
};
