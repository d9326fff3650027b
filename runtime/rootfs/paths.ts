// maskedPaths and readonlyPaths, resolved inside the rootfs and applied before the root switch (through the host's
// /proc/self/fd); missing paths are skipped as runc does.
import { MS, S_IFDIR } from "../../ffi/constants.ts";
import { isErrno } from "../../ffi/errno.ts";
import { procFdPath } from "../../ffi/fd.ts";
import type { Syscalls } from "../../ffi/syscalls.ts";
import type { InRoot } from "./in-root.ts";
import { isType } from "./in-root-resolve.ts";

/** `fn` with the descriptor of `path` (following symlinks inside the root); nothing when the path does not exist. */
const ifPresent = (root: InRoot, path: string, fn: (fd: number) => void): void => {
  let fd: number;
  try {
    fd = root.resolve(path);
  } catch (err) {
    if (isErrno(err, "ENOENT")) return;
    throw err;
  }
  try {
    fn(fd);
  } finally {
    root.release(fd);
  }
};

export const maskPath = (sys: Pick<Syscalls, "mount">, root: InRoot, path: string): void =>
  ifPresent(root, path, (fd) => {
    const label = root.describe(path);
    if (isType(root.fstat(fd).mode, S_IFDIR)) sys.mount("tmpfs", procFdPath(fd), "tmpfs", MS.RDONLY, null, label);
    else sys.mount("/dev/null", procFdPath(fd), "bind", MS.BIND, null, label);
  });

export const readonlyPath = (sys: Pick<Syscalls, "mount">, root: InRoot, path: string): void =>
  ifPresent(root, path, (fd) => {
    const label = root.describe(path);
    sys.mount(procFdPath(fd), procFdPath(fd), "bind", MS.BIND | MS.REC, null, label);
    root.withResolved(path, (top) => sys.mount(null, top, null, MS.BIND | MS.REMOUNT | MS.RDONLY | MS.REC | MS.NOSUID | MS.NODEV | MS.NOEXEC, null, label));
  });

export const readonlyRoot = (sys: Pick<Syscalls, "mount">): void => {
  sys.mount(null, "/", null, MS.BIND | MS.REMOUNT | MS.RDONLY, null);
};
