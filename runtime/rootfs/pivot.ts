// Switching the root: pivot_root where it works, MS_MOVE + chroot on an initramfs or ramfs root where it cannot.
import { MNT_DETACH, MS } from "../../ffi/constants.ts";
import { isErrno } from "../../ffi/errno.ts";
import type { Syscalls } from "../../ffi/syscalls.ts";

export const switchRoot = (sys: Pick<Syscalls, "chdir" | "pivotRoot" | "mount" | "umount2" | "chroot">, rootfs: string): "pivot_root" | "move" => {
  sys.chdir(rootfs);
  try {
    // pivot_root(".", ".") stacks the old root on top of the new one; it is then detached (runc's trick, no temp dir).
    sys.pivotRoot(".", ".");
  } catch (err) {
    if (!isErrno(err, "EINVAL")) throw err;
    sys.mount(rootfs, "/", null, MS.MOVE, null);
    sys.chroot(".");
    sys.chdir("/");
    return "move";
  }
  sys.mount(null, ".", null, MS.SLAVE | MS.REC, null);
  sys.umount2(".", MNT_DETACH);
  sys.chdir("/");
  return "pivot_root";
};

/** Without a mount namespace of its own the container can only be confined to its root by chroot, as runc does. */
export const enterRoot = (sys: Pick<Syscalls, "chdir" | "chroot">, rootfs: string): void => {
  if (rootfs !== "/") sys.chroot(rootfs);
  sys.chdir("/");
};
