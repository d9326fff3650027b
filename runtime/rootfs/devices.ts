// Device nodes and the standard /dev symlinks inside a fresh /dev.
import { chownSync, closeSync, existsSync, openSync, rmSync, symlinkSync } from "node:fs";
import { posix } from "node:path";
import { MS, S_IFBLK, S_IFCHR, S_IFIFO } from "../../ffi/constants.ts";
import { makedev } from "../../ffi/fd.ts";
import type { Syscalls } from "../../ffi/syscalls.ts";
import type { DeviceStep } from "./steps.ts";
import { DEFAULT_SYMLINKS } from "../spec/devices.ts";

const TYPE_BITS: Record<DeviceStep["type"], number> = { c: S_IFCHR, u: S_IFCHR, b: S_IFBLK, p: S_IFIFO };

/** Creates the node with mknod, or, in a user namespace, bind-mounts the host's node of the same path. */
export const createDevice = (sys: Pick<Syscalls, "mknod" | "mount">, rootfs: string, d: DeviceStep, bind: boolean): void => {
  const target = posix.join(rootfs, d.path);
  try {
    if (bind) {
      if (!existsSync(target)) closeSync(openSync(target, "a"));
      sys.mount(d.path, target, "bind", MS.BIND, null);
      return;
    }
    rmSync(target, { force: true });
    sys.mknod(target, TYPE_BITS[d.type] | (d.mode & 0o7777), makedev(d.major, d.minor));
    chownSync(target, d.uid, d.gid);
  } catch (err) {
    throw new Error(`Creating device '${d.path}' failed`, { cause: err });
  }
};

/** The spec's /dev symlinks; /dev/ptmx only when the container has its own devpts. */
export const createDevSymlinks = (rootfs: string, hasDevpts: boolean): void => {
  for (const link of DEFAULT_SYMLINKS) {
    if (link.onlyIfTargetExists && !existsSync(link.target)) continue;
    if (link.path === "/dev/ptmx" && !hasDevpts) continue;
    const path = posix.join(rootfs, link.path);
    rmSync(path, { force: true });
    symlinkSync(link.target, path);
  }
};
