import { check, q } from "./check.ts";
import { close, open } from "./fd.ts";
import { libc } from "./libc.ts";

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
