// The two ways to look a path up inside a root without ever leaving it: openat2(RESOLVE_IN_ROOT), where the kernel
// scopes the lookup, and a walk one component at a time with O_PATH|O_NOFOLLOW that follows symlinks itself, for
// kernels without openat2 (before 5.6). Both give "..", absolute symlinks and link loops the meaning they have for a
// process whose root is the root: ".." of the root is the root, "/x" is the root's x, more than 40 links is ELOOP.
import { AT, O, O_DIRECTORY, O_NOFOLLOW, RESOLVE, S_IFDIR, S_IFLNK, S_IFMT } from "../../ffi/constants.ts";
import { isErrno } from "../../ffi/errno.ts";
import type { FsSyscalls } from "../../ffi/syscalls.ts";
import { components, MAX_SYMLINKS, pathError } from "./in-root-path.ts";

export type Resolver = "openat2" | "walk";

type Sys = Pick<FsSyscalls, "openat2" | "openat" | "close" | "statx" | "readlinkat">;

/** Magic links (/proc/<pid>/fd/N, /proc/<pid>/root, ...) jump anywhere: never followed. */
const IN_ROOT = RESOLVE.IN_ROOT | RESOLVE.NO_MAGICLINKS;

/** openat2 fails with EAGAIN when a rename or mount raced a ".." step; retried this many times. */
const EAGAIN_TRIES = 128;

const PATH_ONLY = O.PATH | O_NOFOLLOW | O.CLOEXEC;

export const isType = (mode: number, type: number): boolean => (mode & S_IFMT) === type;

/** Whether this kernel has openat2, asked once per root. */
export const probeResolver = (sys: Pick<Sys, "openat2" | "close">, rootFd: number): Resolver => {
  try {
    sys.close(sys.openat2(rootFd, ".", O.PATH | O.CLOEXEC, 0, IN_ROOT));
    return "openat2";
  } catch (err) {
    if (isErrno(err, "ENOSYS")) return "walk";
    throw err;
  }
};

/** openat2 relative to the root with RESOLVE_IN_ROOT; `mode` counts only with O_CREAT (openat2 refuses it otherwise). */
export const openInRoot = (sys: Pick<Sys, "openat2">, rootFd: number, path: string, flags: number, mode: number): number => {
  const p = components(path).length ? path : ".";
  for (let tries = 1; ; tries++) {
    try {
      return sys.openat2(rootFd, p, flags | O.CLOEXEC, flags & O.CREAT ? mode : 0, IN_ROOT);
    } catch (err) {
      if (!isErrno(err, "EAGAIN") || tries === EAGAIN_TRIES) throw err;
    }
  }
};

/** Opens the chain of real directories `names` from the root again; -1 stands for the root itself. */
const reopen = (sys: Sys, rootFd: number, names: readonly string[]): number => {
  let fd = -1;
  try {
    for (const name of names) {
      const next = sys.openat(fd === -1 ? rootFd : fd, name, PATH_ONLY | O_DIRECTORY);
      if (fd !== -1) sys.close(fd);
      fd = next;
    }
    return fd;
  } catch (err) {
    if (fd !== -1) sys.close(fd);
    throw err;
  }
};

/**
 * An O_PATH descriptor of `path` under the root, resolved one component at a time: each name is opened with
 * O_PATH|O_NOFOLLOW under the directory reached so far, and a symlink is read and its target's components put in
 * front of the rest (from the root again when it is absolute). ".." is never asked of the kernel, which could leave
 * the root through a directory moved out of it: the walk keeps the chain of directories it went through and goes
 * back one. `dir`: the result must be a directory (a final symlink is then followed, as with a trailing slash).
 */
export const walkInRoot = (sys: Sys, rootFd: number, path: string, follow: boolean, dir = false): number => {
  const pending = components(path);
  const mustBeDir = dir || path.endsWith("/");
  const names: string[] = [];
  let cur = -1;
  let links = 0;
  const moveTo = (fd: number): void => {
    if (cur !== -1) sys.close(cur);
    cur = fd;
  };
  try {
    while (pending.length) {
      const name = pending.shift()!;
      if (name === "..") {
        if (names.length) {
          names.pop();
          moveTo(reopen(sys, rootFd, names));
        }
        continue;
      }
      const next = sys.openat(cur === -1 ? rootFd : cur, name, PATH_ONLY);
      let mode: number;
      try {
        mode = sys.statx(next, "", AT.EMPTY_PATH | AT.SYMLINK_NOFOLLOW).mode;
      } catch (err) {
        sys.close(next);
        throw err;
      }
      const last = pending.length === 0;
      if (isType(mode, S_IFLNK) && (!last || follow || mustBeDir)) {
        let target: string;
        try {
          target = sys.readlinkat(next, "");
        } finally {
          sys.close(next);
        }
        if (++links > MAX_SYMLINKS) throw pathError("resolve", "ELOOP", path);
        if (target === "") throw pathError("resolve", "ENOENT", path);
        if (target.startsWith("/")) {
          names.length = 0;
          moveTo(-1);
        }
        pending.unshift(...components(target));
        continue;
      }
      if (!isType(mode, S_IFDIR) && (!last || mustBeDir)) {
        sys.close(next);
        throw pathError("resolve", "ENOTDIR", path);
      }
      moveTo(next);
      names.push(name);
    }
    if (cur === -1) return sys.openat(rootFd, ".", O.PATH | O_DIRECTORY | O.CLOEXEC);
    const fd = cur;
    cur = -1;
    return fd;
  } catch (err) {
    moveTo(-1);
    throw err;
  }
};
