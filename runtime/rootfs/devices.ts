// Device nodes and the standard /dev symlinks inside a fresh /dev, each path resolved inside the rootfs.
import { existsSync } from "node:fs";
import { posix } from "node:path";
import { MS, S_IFBLK, S_IFCHR, S_IFIFO } from "../../ffi/constants.ts";
import { isErrno } from "../../ffi/errno.ts";
import { makedev } from "../../ffi/fd.ts";
import type { Syscalls } from "../../ffi/syscalls.ts";
import type { DeviceStep } from "./steps.ts";
import { DEFAULT_SYMLINKS } from "../spec/devices.ts";
import type { InRoot } from "./in-root.ts";

const TYPE_BITS: Record<DeviceStep["type"], number> = { c: S_IFCHR, u: S_IFCHR, b: S_IFBLK, p: S_IFIFO };

/** Removes what is at `path` (not a directory), if anything. */
const unlinkIfThere = (root: InRoot, path: string): void => {
  try {
    root.unlink(path);
  } catch (err) {
    if (!isErrno(err, "ENOENT")) throw err;
  }
};

/**
 * Creates the node with mknod, owned as configured and with exactly the configured mode (not less the caller's
 * umask), or, in a user namespace, bind-mounts the host's node of the same path.
 */
export const createDevice = (sys: Pick<Syscalls, "mount">, root: InRoot, d: DeviceStep, bind: boolean): void => {
  try {
    root.release(root.mkdirAll(posix.dirname(d.path)));
    if (bind) {
      root.withMountTarget(d.path, "file", (target) => sys.mount(d.path, target, "bind", MS.BIND, null, root.describe(d.path)));
      return;
    }
    unlinkIfThere(root, d.path);
    root.mknod(d.path, TYPE_BITS[d.type] | (d.mode & 0o7777), makedev(d.major, d.minor));
    root.lchown(d.path, d.uid, d.gid);
    root.chmod(d.path, d.mode & 0o7777);
  } catch (err) {
    throw new Error(`Creating device '${d.path}' failed`, { cause: err });
  }
};

/** The spec's /dev symlinks; /dev/ptmx only when the container has its own devpts. */
export const createDevSymlinks = (root: InRoot, hasDevpts: boolean): void => {
  for (const link of DEFAULT_SYMLINKS) {
    if (link.onlyIfTargetExists && !existsSync(link.target)) continue;
    if (link.path === "/dev/ptmx" && !hasDevpts) continue;
    unlinkIfThere(root, link.path);
    root.symlink(link.target, link.path);
  }
};
