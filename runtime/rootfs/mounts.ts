// The container's mounts, made inside its mount namespace before pivot_root.
import { closeSync, existsSync, mkdirSync, openSync, statSync } from "node:fs";
import { dirname, posix } from "node:path";
import { MS } from "../../ffi/constants.ts";
import type { Syscalls } from "../../ffi/syscalls.ts";
import type { MountStep, RootfsPlan } from "./steps.ts";

const BIND_REMOUNT_FLAGS = MS.RDONLY | MS.NOSUID | MS.NODEV | MS.NOEXEC | MS.NOATIME | MS.NODIRATIME | MS.RELATIME | MS.STRICTATIME;

const ensureTarget = (target: string, asFile: boolean): void => {
  if (existsSync(target)) return;
  if (asFile) {
    mkdirSync(dirname(target), { recursive: true });
    closeSync(openSync(target, "a"));
  } else mkdirSync(target, { recursive: true });
};

const withDestination = (m: MountStep, err: unknown): Error =>
  new Error(`Mount of '${m.destination}' failed`, { cause: err });

/** Makes the rootfs a mount point of its own and sets the propagation of the mount tree. */
export const prepareRoot = (sys: Pick<Syscalls, "mount">, plan: Pick<RootfsPlan, "rootfs" | "rootPropagation">): void => {
  sys.mount(null, "/", null, plan.rootPropagation, null);
  sys.mount(plan.rootfs, plan.rootfs, "bind", MS.BIND | MS.REC, null);
};

export const mountOne = (sys: Pick<Syscalls, "mount">, m: MountStep): void => {
  try {
    ensureTarget(m.target, m.targetIsFile);
    if (m.kind === "bind") {
      sys.mount(m.source, m.target, "bind", m.flags & (MS.BIND | MS.REC), null);
      // A bind mount ignores most flags; they take effect through a remount of the new mount.
      if (m.flags & BIND_REMOUNT_FLAGS) sys.mount(null, m.target, null, MS.BIND | MS.REMOUNT | (m.flags & (BIND_REMOUNT_FLAGS | MS.REC)), null);
    } else sys.mount(m.source, m.target, m.fstype, m.flags, m.data);
  } catch (err) {
    throw withDestination(m, err);
  }
};

/** cgroup mounts: cgroup2 in a cgroup namespace on v2; otherwise a tmpfs with the container's own cgroup dirs bound in. */
export const mountCgroups = (sys: Pick<Syscalls, "mount">, m: MountStep, plan: Pick<RootfsPlan, "cgroupDirs" | "cgroupV2" | "newCgroupNamespace">): void => {
  const ro = m.flags & MS.RDONLY;
  try {
    ensureTarget(m.target, false);
    if (plan.cgroupV2 && plan.newCgroupNamespace) {
      sys.mount("cgroup2", m.target, "cgroup2", m.flags, null);
      return;
    }
    if (plan.cgroupV2) {
      const own = plan.cgroupDirs[0];
      if (own) sys.mount(own.dir, m.target, "bind", MS.BIND | MS.REC, null);
      if (ro) sys.mount(null, m.target, null, MS.BIND | MS.REMOUNT | MS.RDONLY | MS.NOSUID | MS.NODEV | MS.NOEXEC, null);
      return;
    }
    sys.mount("tmpfs", m.target, "tmpfs", MS.NOSUID | MS.NODEV | MS.NOEXEC, "mode=755");
    for (const { hierarchy, dir } of plan.cgroupDirs) {
      const t = posix.join(m.target, hierarchy || "unified");
      mkdirSync(t, { recursive: true });
      sys.mount(dir, t, "bind", MS.BIND | MS.REC, null);
      if (ro) sys.mount(null, t, null, MS.BIND | MS.REMOUNT | MS.RDONLY | MS.NOSUID | MS.NODEV | MS.NOEXEC, null);
    }
    if (ro) sys.mount(null, m.target, null, MS.REMOUNT | MS.RDONLY | MS.NOSUID | MS.NODEV | MS.NOEXEC, "mode=755");
  } catch (err) {
    throw withDestination(m, err);
  }
};

/** Propagation flags, set after the root switch: moving the old root away would turn shared mounts into slaves. */
export const setPropagation = (sys: Pick<Syscalls, "mount">, m: MountStep): void => {
  try {
    for (const p of m.propagation) sys.mount(null, m.destination, null, p, null);
  } catch (err) {
    throw withDestination(m, err);
  }
};

export const isDirectory = (path: string): boolean => {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
};
