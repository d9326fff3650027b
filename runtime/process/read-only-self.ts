// Every setup stage runs from a read-only mount of bunker's own executable, so that a container process holding
// /proc/<stage>/exe can never reopen it for writing (the runc CVE-2019-5736 class): it gets EROFS.
//
// The mount is a detached clone of the executable's mount (open_tree with OPEN_TREE_CLONE) made read-only with
// mount_setattr: it is attached to no mount namespace, so no mount table ever shows it and no propagation changes;
// it is the same inode, so the stage shares the executable's page cache; it goes away with the last process that runs
// it. A copy (memfd) would cost the executable's ~107 MB per stage; an overlayfs without an upper layer (runc 1.2's
// choice, for kernels before 5.12) needs the overlay module and makes a superblock per start; a bind mount remounted
// read-only needs a mount namespace of its own, which changes the propagation the container's mounts inherit.
import { AT, AT_FDCWD, MOUNT_ATTR, OPEN_TREE_CLONE, O } from "../../ffi/constants.ts";
import { mountSetattr, openTree } from "../../ffi/mount.ts";
import { close } from "../../ffi/fd.ts";
import { selfCommand } from "../compiled.ts";

export interface ReadOnlySelf {
  /** An fd of the executable on a read-only detached mount; the stage inherits it and is started through it. */
  fd: number;
  /** What follows the executable on the command line (the entry script when running from source). */
  args: string[];
  close(): void;
}

export const openReadOnlySelf = (): ReadOnlySelf => {
  const [exe, ...args] = selfCommand() as [string, ...string[]];
  const fd = openTree(AT_FDCWD, exe, OPEN_TREE_CLONE | O.CLOEXEC);
  try {
    mountSetattr(fd, "", AT.EMPTY_PATH, { set: MOUNT_ATTR.RDONLY, clear: 0, propagation: 0, usernsFd: 0 });
  } catch (err) {
    close(fd);
    throw new Error(`Making a read-only mount of '${exe}' for the setup stage failed`, { cause: err });
  }
  return { fd, args, close: () => close(fd) };
};
