// The container's mounts, made inside its mount namespace before the root switch. Every target is resolved inside
// the rootfs when its mount is made (in-root.ts) and mounted onto through /proc/self/fd/N of that descriptor; a
// remount or an attribute change resolves the path again, to reach the new mount rather than the one below it.
import { AT, AT_FDCWD, MOUNT_ATTR, MOVE_MOUNT, MS, PROC_SUPER_MAGIC } from "../../ffi/constants.ts";
import { isErrno } from "../../ffi/errno.ts";
import { procFdPath } from "../../ffi/fd.ts";
import type { Syscalls } from "../../ffi/syscalls.ts";
import type { MountStep, RootfsPlan } from "./steps.ts";
import type { InRoot } from "./in-root.ts";
import { isAllowedInProc, isProcRoot } from "../spec/proc-mounts.ts";

const BIND_REMOUNT_FLAGS = MS.RDONLY | MS.NOSUID | MS.NODEV | MS.NOEXEC | MS.NOATIME | MS.NODIRATIME | MS.RELATIME | MS.STRICTATIME;
const CGROUP_RO = MS.RDONLY | MS.NOSUID | MS.NODEV | MS.NOEXEC;

type MountSys = Pick<Syscalls, "mount" | "mountSetattr" | "moveMount">;

const withDestination = (m: MountStep, err: unknown): Error => new Error(`Mount of '${m.destination}' failed`, { cause: err });

/** The recursive attributes (rro, rnosuid, ...) on the mount now at `fd` and every mount below it. */
const setRecursiveAttrs = (sys: Pick<Syscalls, "mountSetattr">, fd: number, attrs: NonNullable<MountStep["recursiveAttrs"]>): void =>
  sys.mountSetattr(fd, "", AT.EMPTY_PATH | AT.RECURSIVE, { set: attrs.set, clear: attrs.clear, propagation: 0, usernsFd: 0 });

/**
 * The config's destinations passed the /proc rule (spec/proc-mounts.ts) as written; a target that is on the
 * container's proc file system all the same was reached through a symlink of the image (`/data -> /proc/sys`).
 */
const checkProcTarget = (root: InRoot, fd: number, destination: string): void => {
  if (root.fsType(fd) !== PROC_SUPER_MAGIC || isProcRoot(destination) || isAllowedInProc(destination)) return;
  throw new Error(`'${destination}' leads inside /proc, where it cannot be mounted (runc's rule)`);
};

/** A tmpfs over a directory of the image takes that directory's mode, as with runc, unless it has a mode= of its own. */
const tmpfsData = (data: string | null, covered: number): string =>
  /(^|,)mode=/.test(data ?? "") ? data! : [data, `mode=${(covered & 0o7777).toString(8)}`].filter(Boolean).join(",");

export const mountOne = (sys: MountSys, root: InRoot, m: MountStep): void => {
  const label = root.describe(m.destination);
  try {
    root.withMountTarget(m.destination, m.targetIsFile ? "file" : "dir", (target, fd, existed) => {
      checkProcTarget(root, fd, m.destination);
      if (m.idmapFd !== null) sys.moveMount(m.idmapFd, "", fd, "", MOVE_MOUNT.F_EMPTY_PATH | MOVE_MOUNT.T_EMPTY_PATH);
      else if (m.kind === "bind") sys.mount(m.source, target, "bind", m.flags & (MS.BIND | MS.REC), null, label);
      else sys.mount(m.source, target, m.fstype, m.flags, m.fstype === "tmpfs" && existed ? tmpfsData(m.data, root.fstat(fd).mode) : m.data, label);
      // `fd` still names the directory below the new mount.
      if (m.copyUp) root.copyUp(fd, m.destination);
    });
    // A bind mount ignores most flags; they take effect through a remount of the new mount.
    const remount = m.kind === "bind" && (m.flags & BIND_REMOUNT_FLAGS) !== 0;
    if (!remount && !m.recursiveAttrs) return;
    root.withResolved(m.destination, (top, fd) => {
      if (remount) sys.mount(null, top, null, MS.BIND | MS.REMOUNT | (m.flags & (BIND_REMOUNT_FLAGS | MS.REC)), null, label);
      if (m.recursiveAttrs) setRecursiveAttrs(sys, fd, m.recursiveAttrs);
    });
  } catch (err) {
    throw withDestination(m, err);
  }
};

const MOUNT_ATTRS: [ms: number, attr: number][] = [
  [MS.RDONLY, MOUNT_ATTR.RDONLY],
  [MS.NOSUID, MOUNT_ATTR.NOSUID],
  [MS.NODEV, MOUNT_ATTR.NODEV],
  [MS.NOEXEC, MOUNT_ATTR.NOEXEC],
  [MS.NOATIME, MOUNT_ATTR.NOATIME],
  [MS.STRICTATIME, MOUNT_ATTR.STRICTATIME],
  [MS.NODIRATIME, MOUNT_ATTR.NODIRATIME],
];

/**
 * A proc mount showing `pidns`, a PID namespace the stage joined for its children only (it spawns the program into
 * it, see runtime/process/stage.ts): made with the new mount API, then moved onto the target.
 */
export const mountProcOf = (sys: Pick<Syscalls, "fsMount" | "moveMount" | "close">, root: InRoot, m: MountStep, pidns: number): void => {
  const attrs = MOUNT_ATTRS.reduce((a, [ms, attr]) => (m.flags & ms ? a | attr : a), 0);
  try {
    root.withMountTarget(m.destination, "dir", (target, fd) => {
      checkProcTarget(root, fd, m.destination);
      const mnt = sys.fsMount("proc", m.data ? m.data.split(",") : [], { pidns }, attrs);
      try {
        sys.moveMount(mnt, "", AT_FDCWD, target, MOVE_MOUNT.F_EMPTY_PATH | MOVE_MOUNT.T_SYMLINKS);
      } finally {
        sys.close(mnt);
      }
    });
  } catch (err) {
    throw withDestination(m, err);
  }
};

/** Binds a cgroup directory of the host at `destination` (read-only when asked). */
const bindCgroup = (sys: MountSys, root: InRoot, dir: string, destination: string, ro: boolean): void => {
  const label = root.describe(destination);
  root.withMountTarget(destination, "dir", (target) => sys.mount(dir, target, "bind", MS.BIND | MS.REC, null, label));
  if (ro) root.withResolved(destination, (top) => sys.mount(null, top, null, MS.BIND | MS.REMOUNT | CGROUP_RO, null, label));
};

/** cgroup mounts: cgroup2 in a cgroup namespace on v2; otherwise a tmpfs with the container's own cgroup dirs bound in. */
export const mountCgroups = (sys: MountSys, root: InRoot, m: MountStep, plan: Pick<RootfsPlan, "cgroupDirs" | "cgroupV2" | "newCgroupNamespace">): void => {
  const ro = (m.flags & MS.RDONLY) !== 0;
  const label = root.describe(m.destination);
  try {
    if (plan.cgroupV2 && plan.newCgroupNamespace) {
      root.withMountTarget(m.destination, "dir", (target) => sys.mount("cgroup2", target, "cgroup2", m.flags, null, label));
      return;
    }
    if (plan.cgroupV2) {
      const own = plan.cgroupDirs[0];
      if (own) bindCgroup(sys, root, own.dir, m.destination, ro);
      return;
    }
    root.withMountTarget(m.destination, "dir", (target) => sys.mount("tmpfs", target, "tmpfs", MS.NOSUID | MS.NODEV | MS.NOEXEC, "mode=755", label));
    for (const { hierarchy, dir } of plan.cgroupDirs) bindCgroup(sys, root, dir, `${m.destination}/${hierarchy || "unified"}`, ro);
    if (ro) root.withResolved(m.destination, (top) => sys.mount(null, top, null, MS.REMOUNT | CGROUP_RO, "mode=755", label));
  } catch (err) {
    throw withDestination(m, err);
  }
};

/** mount_setattr's propagation field takes one type; MS_REC becomes AT_RECURSIVE. */
const setPropagationAt = (sys: MountSys, fd: number, flag: number, label: string): void => {
  try {
    sys.mountSetattr(fd, "", AT.EMPTY_PATH | (flag & MS.REC ? AT.RECURSIVE : 0), { set: 0, clear: 0, propagation: flag & ~MS.REC, usernsFd: 0 });
  } catch (err) {
    // Before Linux 5.12; then the container's /proc has to be there to reach the mount.
    if (!isErrno(err, "ENOSYS")) throw err;
    sys.mount(null, procFdPath(fd), null, flag, null, label);
  }
};

/**
 * Propagation flags, set after the root switch (`root` is then the new "/"): moving the old root away would turn
 * shared mounts into slaves.
 */
export const setPropagation = (sys: MountSys, root: InRoot, m: MountStep): void => {
  if (!m.propagation.length) return;
  try {
    root.withResolved(m.destination, (_, fd) => {
      for (const p of m.propagation) setPropagationAt(sys, fd, p, m.destination);
    });
  } catch (err) {
    throw withDestination(m, err);
  }
};
