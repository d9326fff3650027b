import { readFileSync } from "node:fs";
import { syscallNumber } from "./arch.ts";
import { check, q } from "./check.ts";
import { isErrno } from "./errno.ts";
import { addr, cstr } from "./cstring.ts";
import { libc } from "./libc.ts";

/** `label` names the target in an error when `target` is a /proc/self/fd path. */
export const mount = (source: string | null, target: string, fstype: string | null, flags: number, data: string | null, label = target): void => {
  const s = source === null ? null : cstr(source);
  const f = fstype === null ? null : cstr(fstype);
  const d = data === null || data === "" ? null : cstr(data);
  check("mount", `${q(label)}${fstype ? ` (${fstype})` : ""}`, libc.mount(s, cstr(target), f, BigInt(flags), d));
};

export const umount2 = (target: string, flags: number): void => void check("umount2", q(target), libc.umount2(cstr(target), flags));

export const pivotRoot = (newRoot: string, putOld: string): void => {
  const a = cstr(newRoot);
  const b = cstr(putOld);
  check("pivot_root", q(newRoot), libc.syscall(syscallNumber("pivot_root"), addr(a), addr(b), 0n, 0n, 0n, 0n));
};

export const chdir = (path: string): void => void check("chdir", q(path), libc.chdir(cstr(path)));
export const chroot = (path: string): void => void check("chroot", q(path), libc.chroot(cstr(path)));

export interface MountAttr {
  set: number;
  clear: number;
  /** MS_PRIVATE, MS_SHARED, ... or 0 to leave the propagation alone. */
  propagation: number;
  /** A user namespace fd for MOUNT_ATTR_IDMAP, else 0. */
  usernsFd: number;
}

/** struct mount_attr (MOUNT_ATTR_SIZE_VER0): four u64 on every architecture. */
const MOUNT_ATTR_SIZE = 32;

/** mount_setattr(2) (Linux 5.12+); flags: AT_EMPTY_PATH with "" for `dirfd` itself, AT_RECURSIVE for its whole tree. */
export const mountSetattr = (dirfd: number, path: string, flags: number, attr: MountAttr): void => {
  const a = new BigUint64Array([BigInt(attr.set), BigInt(attr.clear), BigInt(attr.propagation), BigInt(attr.usernsFd)]);
  const p = cstr(path);
  check("mount_setattr", path ? q(path) : `fd ${dirfd}`, libc.syscall(syscallNumber("mount_setattr"), BigInt(dirfd), addr(p), BigInt(flags), addr(a), BigInt(MOUNT_ATTR_SIZE), 0n));
};

/** open_tree(2): OPEN_TREE_CLONE (| AT_RECURSIVE) gives a detached copy of the mount (tree) at `path`. */
export const openTree = (dirfd: number, path: string, flags: number): number => {
  const p = cstr(path);
  return check("open_tree", q(path), libc.syscall(syscallNumber("open_tree"), BigInt(dirfd), addr(p), BigInt(flags), 0n, 0n, 0n));
};

/** move_mount(2): attaches the mount `fromFd` (F_EMPTY_PATH) onto the object open at `toFd` (T_EMPTY_PATH). */
export const moveMount = (fromFd: number, fromPath: string, toFd: number, toPath: string, flags: number): void => {
  const a = cstr(fromPath);
  const b = cstr(toPath);
  check("move_mount", `fd ${fromFd} -> fd ${toFd}`, libc.syscall(syscallNumber("move_mount"), BigInt(fromFd), addr(a), BigInt(toFd), addr(b), BigInt(flags), 0n));
};

/** The calling process's mount table (/proc/self/mountinfo). */
export const mountTable = (): string => readFileSync("/proc/self/mountinfo", "utf8");

const FSCONFIG = { SET_FLAG: 0, SET_STRING: 1, SET_FD: 5, CMD_CREATE: 6 } as const;
const FSOPEN_CLOEXEC = 1;
const FSMOUNT_CLOEXEC = 1;

const fsconfig = (fsfd: number, cmd: number, key: string | null, value: Buffer | null, aux: number, what: string): void => {
  const k = key === null ? null : cstr(key);
  check("fsconfig", what, libc.syscall(syscallNumber("fsconfig"), BigInt(fsfd), BigInt(cmd), k ? addr(k) : 0n, value ? addr(value) : 0n, BigInt(aux), 0n));
};

/**
 * A detached mount of a new `fstype` instance made with the new mount API (fsopen, fsconfig, fsmount: Linux 5.2):
 * `options` are key=value strings or flags, `fds` keys that take a descriptor (proc's "pidns"); `attrs` are
 * MOUNT_ATTR_* flags. Returns the mount's fd, for move_mount.
 */
export const fsMount = (fstype: string, options: readonly string[], fds: Readonly<Record<string, number>>, attrs: number): number => {
  const fsfd = check("fsopen", q(fstype), libc.syscall(syscallNumber("fsopen"), addr(cstr(fstype)), BigInt(FSOPEN_CLOEXEC), 0n, 0n, 0n, 0n));
  try {
    for (const o of options) {
      const eq = o.indexOf("=");
      if (eq < 0) fsconfig(fsfd, FSCONFIG.SET_FLAG, o, null, 0, `${fstype} ${q(o)}`);
      else fsconfig(fsfd, FSCONFIG.SET_STRING, o.slice(0, eq), cstr(o.slice(eq + 1)), 0, `${fstype} ${q(o)}`);
    }
    for (const [key, fd] of Object.entries(fds)) fsconfig(fsfd, FSCONFIG.SET_FD, key, null, fd, `${fstype} ${key}=fd ${fd}`);
    fsconfig(fsfd, FSCONFIG.CMD_CREATE, null, null, 0, `${fstype} create`);
    return check("fsmount", q(fstype), libc.syscall(syscallNumber("fsmount"), BigInt(fsfd), BigInt(FSMOUNT_CLOEXEC), BigInt(attrs), 0n, 0n, 0n));
  } finally {
    libc.close(fsfd);
  }
};

/** Whether proc takes the PID namespace to show ("pidns": recent kernels), so that a process outside a PID namespace
 * can mount the /proc of it. */
export const procTakesPidns = (): boolean => {
  const fsfd = check("fsopen", "'proc'", libc.syscall(syscallNumber("fsopen"), addr(cstr("proc")), BigInt(FSOPEN_CLOEXEC), 0n, 0n, 0n, 0n));
  let ns: number;
  try {
    ns = check("open", "'/proc/self/ns/pid'", libc.open(cstr("/proc/self/ns/pid"), 0o2000000, 0));
  } catch (err) {
    libc.close(fsfd);
    throw err;
  }
  try {
    fsconfig(fsfd, FSCONFIG.SET_FD, "pidns", null, ns, "proc pidns");
    return true;
  } catch (err) {
    if (isErrno(err, "EINVAL")) return false;
    throw err;
  } finally {
    libc.close(ns);
    libc.close(fsfd);
  }
};
