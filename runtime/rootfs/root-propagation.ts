// The propagation of the container's root (linux.rootfsPropagation), set in two halves around the root switch:
// pivot_root refuses shared mounts where the old and the new root hang, and a bind of an unbindable mount fails.
import { AT_FDCWD, MS } from "../../ffi/constants.ts";
import type { FsSyscalls, Syscalls } from "../../ffi/syscalls.ts";
import type { RootfsPlan } from "./steps.ts";
import { isShared, parseMountTable } from "./mount-table.ts";

/** Unbindable is set after the switch; before it the tree is private, so the rootfs and the volumes can be bound. */
const beforeSwitch = (flags: number): number => (flags & MS.UNBINDABLE ? MS.PRIVATE | (flags & MS.REC) : flags);

/**
 * Sets the propagation of the mount tree, makes private the mount the rootfs is on and the current root when they are
 * shared (as runc does for the first: nothing mounted in the rootfs then reaches the host, and pivot_root accepts the
 * switch), and makes the rootfs a mount point of its own.
 */
export const prepareRoot = (sys: Pick<Syscalls, "mount" | "mountTable">, fs: Pick<FsSyscalls, "statx">, plan: Pick<RootfsPlan, "rootfs" | "rootPropagation">): void => {
  sys.mount(null, "/", null, beforeSwitch(plan.rootPropagation), null);
  const table = parseMountTable(sys.mountTable());
  const rootfsMount = Number(fs.statx(AT_FDCWD, plan.rootfs, 0).mntId);
  // The last mount on "/" is the one on top, the root of this mount namespace.
  const root = table.findLast((e) => e.mountpoint === "/");
  for (const m of table.filter((e) => e.id === rootfsMount || e === root)) if (isShared(m)) sys.mount(null, m.mountpoint, null, MS.PRIVATE, null);
  sys.mount(plan.rootfs, plan.rootfs, "bind", MS.BIND | MS.REC, null);
};

/** After the switch: shared and unbindable, which the steps before could not carry, on the new root itself. */
export const applyRootPropagation = (sys: Pick<Syscalls, "mount">, plan: Pick<RootfsPlan, "rootPropagation">): void => {
  if (plan.rootPropagation & (MS.SHARED | MS.UNBINDABLE)) sys.mount(null, "/", null, plan.rootPropagation, null);
};
