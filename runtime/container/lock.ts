// One command at a time on a container: an flock on <root>/<id>/.lock. The lock file goes with the directory when a
// container is deleted, so a command that waited for the lock checks, once it holds it, that the file is still the
// one at that path: if the directory went (or came anew) meanwhile, it holds the lock of nothing and tries again, and
// finds the container gone, or the new one. So two deletes, or a stale delete and a fresh create, never act on the
// same container at once, and every command reads the container only under its lock.
import { fstatSync, statSync } from "node:fs";
import { isErrno } from "../../ffi/errno.ts";
import { lockFile } from "../../ffi/lock.ts";
import { checkId, lockPath, NoSuchContainerError } from "./record.ts";

export interface ContainerLock {
  release(): void;
}

const stillLinked = (fd: number, path: string): boolean => {
  try {
    const held = fstatSync(fd);
    const now = statSync(path);
    return held.nlink > 0 && held.ino === now.ino && held.dev === now.dev;
  } catch {
    return false;
  }
};

/** Blocks until this process holds the lock of container `id`; throws NoSuchContainerError when it has no directory. */
export const lockContainer = (root: string, id: string): ContainerLock => {
  checkId(id);
  const path = lockPath(root, id);
  for (;;) {
    let lock: ReturnType<typeof lockFile>;
    try {
      lock = lockFile(path);
    } catch (err) {
      // The directory is gone: so is the container.
      if (isErrno(err, "ENOENT")) throw new NoSuchContainerError(id);
      throw err;
    }
    if (stillLinked(lock.fd, path)) return lock;
    lock.release();
  }
};

/** `fn` done holding the lock of container `id`, released however `fn` ends. */
export const withContainerLock = <T>(root: string, id: string, fn: () => T): T => {
  const lock = lockContainer(root, id);
  try {
    return fn();
  } finally {
    lock.release();
  }
};
