// A root filesystem held open as an O_PATH descriptor, and every file-system operation bunker does inside one: each
// path is resolved inside the root at the moment of use (in-root-resolve.ts), and the operation then acts on a
// descriptor or on one final name under a resolved directory, so a symlink swapped in at any time cannot send it
// outside. Used by the setup stage before and after the root switch and by the image unpacker on hostile layers.
import { posix } from "node:path";
import { AT, AT_FDCWD, O, O_DIRECTORY, O_NOFOLLOW, S_IFDIR, S_IFLNK } from "../../ffi/constants.ts";
import { DIRENT_BUFFER } from "../../ffi/dirents.ts";
import { isErrno, SysError } from "../../ffi/errno.ts";
import { procFdPath } from "../../ffi/fd.ts";
import type { Stat } from "../../ffi/stat.ts";
import type { FsSyscalls } from "../../ffi/syscalls.ts";
import type { Timespec } from "../../ffi/at.ts";
import { copyDirContents } from "./copy-up.ts";
import { checkPath, components, linkDestination, MAX_SYMLINKS, pathError, splitFinal } from "./in-root-path.ts";
import { isType, openInRoot, probeResolver, walkInRoot, type Resolver } from "./in-root-resolve.ts";

/** "1" in the environment of the process that opens a root forces the fallback walk (for tests of that path). */
export const IN_ROOT_WALK_ENV = "BUNKER_TEST_IN_ROOT_WALK";

export interface InRootOptions {
  /** Resolve by the component walk even where openat2 exists. */
  walk?: boolean;
}

export const inRootOptionsFromEnv = (env: Record<string, string | undefined> = process.env): InRootOptions => ({ walk: env[IN_ROOT_WALK_ENV] === "1" });

export type MountTargetKind = "dir" | "file";

/** Counts symlinks followed by hand across the steps of one operation. */
interface LinkBudget {
  left: number;
}

/** A SysError already naming the path inside the root (so that nested operations do not name it twice). */
class InRootError extends SysError {}

export class InRoot {
  private constructor(
    private readonly sys: FsSyscalls,
    /** O_PATH descriptor of the root. */
    readonly fd: number,
    /** The root as the caller named it, for messages. */
    readonly path: string,
    readonly resolver: Resolver,
  ) {}

  /** Opens `path` (a host path, or "/" after the root switch) as the root of everything done through the handle. */
  static open(sys: FsSyscalls, path: string, opts: InRootOptions = {}): InRoot {
    const fd = sys.openat(AT_FDCWD, path, O.PATH | O_DIRECTORY | O.CLOEXEC);
    try {
      return new InRoot(sys, fd, path, opts.walk ? "walk" : probeResolver(sys, fd));
    } catch (err) {
      sys.close(fd);
      throw err;
    }
  }

  close(): void {
    this.sys.close(this.fd);
  }

  /** Closes a descriptor this handle returned. */
  release(fd: number): void {
    this.sys.close(fd);
  }

  /** An O_PATH descriptor of `path`; a final symlink is followed (inside the root) only with `follow`. */
  resolve(path: string, follow = true): number {
    return this.named(path, () => this.lookup(path, follow, false));
  }

  /** What the object open at `fd` (one this handle returned) is. */
  fstat(fd: number): Stat {
    return this.sys.statx(fd, "", AT.EMPTY_PATH | AT.SYMLINK_NOFOLLOW);
  }

  /** The file system type (fstatfs f_type) of the object open at `fd`. */
  fsType(fd: number): number {
    return this.sys.fstatfsType(fd);
  }

  /** `path` as the host would spell it, for messages only: resolution inside the root may lead elsewhere. */
  describe(path: string): string {
    return posix.join(this.path, path);
  }

  /** Runs `fn` with the /proc/self/fd path of the resolved `path` (following a final symlink), then closes it. */
  withResolved<T>(path: string, fn: (fdPath: string, fd: number) => T): T {
    const fd = this.resolve(path);
    try {
      return fn(procFdPath(fd), fd);
    } finally {
      this.sys.close(fd);
    }
  }

  /**
   * open(2) inside the root: `flags` as for openat (O_CREAT with `mode`, O_PATH, ...); a final symlink is followed
   * only with `follow`, otherwise the open fails with ELOOP (or, with O_PATH, gives the link itself).
   */
  open(path: string, flags: number, mode = 0o644, follow = false): number {
    return this.named(path, () => this.openFile(path, flags, mode, follow, { left: MAX_SYMLINKS }));
  }

  /** mkdir(2) of the final name; the parent must exist. */
  mkdir(path: string, mode = 0o755): void {
    this.named(path, () => this.withParent(path, (dirFd, name) => this.sys.mkdirat(dirFd, name, mode)));
  }

  /**
   * mkdir -p: creates what is missing (mode as for mkdir, less the umask) and returns an O_PATH descriptor of the
   * directory. A dangling symlink on the way is followed and its target created inside the root, as runc does.
   */
  mkdirAll(path: string, mode = 0o755): number {
    return this.named(path, () => this.makeDirs(path, mode, { left: MAX_SYMLINKS }));
  }

  /** mknod(2) of the final name: `mode` holds the type (S_IFCHR, ...) and the permission bits (less the umask). */
  mknod(path: string, mode: number, dev: bigint): void {
    this.named(path, () => this.withParent(path, (dirFd, name) => this.sys.mknodat(dirFd, name, mode, dev)));
  }

  /** A symlink at `path` holding `target` (stored as given: it is resolved later, inside whatever root looks at it). */
  symlink(target: string, path: string): void {
    this.named(path, () => this.withParent(path, (dirFd, name) => this.sys.symlinkat(target, dirFd, name)));
  }

  /** A hard link at `path` to the entry at `existing` (itself, not what a final symlink there points to). */
  link(existing: string, path: string): void {
    checkPath(existing);
    this.named(path, () =>
      this.withParent(existing, (oldDir, oldName) => this.withParent(path, (newDir, newName) => this.sys.linkat(oldDir, oldName, newDir, newName, 0))),
    );
  }

  unlink(path: string): void {
    this.named(path, () => this.withParent(path, (dirFd, name) => this.sys.unlinkat(dirFd, name, 0)));
  }

  rmdir(path: string): void {
    this.named(path, () => this.withParent(path, (dirFd, name) => this.sys.unlinkat(dirFd, name, AT.REMOVEDIR)));
  }

  /** rm -rf: the entry and, for a directory, everything under it; nothing there is not an error. */
  removeAll(path: string): void {
    this.named(path, () => {
      try {
        const buf = Buffer.alloc(DIRENT_BUFFER);
        this.withParent(path, (dirFd, name) => this.removeEntry(dirFd, name, buf));
      } catch (err) {
        if (!isErrno(err, "ENOENT")) throw err;
      }
    });
  }

  /** renameat2(2); flags: RENAME_NOREPLACE, RENAME_EXCHANGE. */
  rename(from: string, to: string, flags = 0): void {
    checkPath(from);
    this.named(to, () =>
      this.withParent(from, (oldDir, oldName) => this.withParent(to, (newDir, newName) => this.sys.renameat2(oldDir, oldName, newDir, newName, flags))),
    );
  }

  /** Owner of the entry itself (a symlink's own owner, not its target's). */
  lchown(path: string, uid: number, gid: number): void {
    this.named(path, () =>
      this.withEntry(
        path,
        (dirFd, name) => this.sys.fchownat(dirFd, name, uid, gid, AT.SYMLINK_NOFOLLOW),
        (fd) => this.sys.fchownat(fd, "", uid, gid, AT.EMPTY_PATH),
      ),
    );
  }

  /** Exactly `mode` (no umask) on the entry itself; a symlink has no mode of its own: EOPNOTSUPP, as lchmod says. */
  chmod(path: string, mode: number): void {
    this.named(path, () => {
      const fd = this.lookup(path, false, false);
      try {
        if (isType(this.sys.statx(fd, "", AT.EMPTY_PATH | AT.SYMLINK_NOFOLLOW).mode, S_IFLNK)) throw pathError("fchmodat", "EOPNOTSUPP", path);
        // fchmod() refuses O_PATH descriptors; the magic link reaches the same inode.
        this.sys.fchmodat(AT_FDCWD, procFdPath(fd), mode);
      } finally {
        this.sys.close(fd);
      }
    });
  }

  /** Access and modification times of the entry itself. */
  utimes(path: string, atime: Timespec, mtime: Timespec): void {
    this.named(path, () =>
      this.withEntry(
        path,
        (dirFd, name) => this.sys.utimensat(dirFd, name, atime, mtime, AT.SYMLINK_NOFOLLOW),
        (fd) => this.sys.utimensat(AT_FDCWD, procFdPath(fd), atime, mtime, 0),
      ),
    );
  }

  /** An extended attribute on the entry itself (trusted.overlay.opaque, user.*, ...). */
  setxattr(path: string, name: string, value: Uint8Array, flags = 0): void {
    this.named(path, () =>
      this.withEntry(
        path,
        (dirFd, entry) => this.sys.lsetxattr(`${procFdPath(dirFd)}/${entry}`, name, value, flags),
        (fd) => this.sys.lsetxattr(`${procFdPath(fd)}/.`, name, value, flags),
      ),
    );
  }

  readlink(path: string): string {
    return this.named(path, () => this.withParent(path, (dirFd, name) => this.sys.readlinkat(dirFd, name)));
  }

  /** What the entry itself is (a final symlink is not followed). */
  lstat(path: string): Stat {
    return this.named(path, () =>
      this.withEntry(
        path,
        (dirFd, name) => this.sys.statx(dirFd, name, AT.SYMLINK_NOFOLLOW),
        (fd) => this.sys.statx(fd, "", AT.EMPTY_PATH),
      ),
    );
  }

  /** Flushes the file system the root is on (syncfs). */
  sync(): void {
    this.named("/", () => {
      const fd = this.sys.openat(this.fd, ".", O.RDONLY | O_DIRECTORY | O.CLOEXEC);
      try {
        this.sys.syncfs(fd);
      } finally {
        this.sys.close(fd);
      }
    });
  }

  /**
   * The place a mount goes: `path` resolved inside the root (a final symlink followed, a dangling one's target
   * created), created as a directory or an empty file when missing, as an O_PATH descriptor. Mounting onto its
   * /proc/self/fd path mounts onto exactly that object, whatever is renamed or swapped meanwhile.
   */
  mountTarget(path: string, kind: MountTargetKind): number {
    return this.findOrMakeTarget(path, kind).fd;
  }

  /**
   * Copies into the directory at `path` what the directory at `below` (a descriptor this handle returned, of a
   * directory since covered by a mount) holds: the tmpcopyup of a tmpfs.
   */
  copyUp(below: number, path: string): void {
    this.named(path, () => {
      const from = this.sys.openat(below, ".", O.RDONLY | O_DIRECTORY | O.CLOEXEC);
      try {
        const to = this.lookup(path, true, true);
        try {
          copyDirContents(this.sys, from, to);
        } finally {
          this.sys.close(to);
        }
      } finally {
        this.sys.close(from);
      }
    });
  }

  /** Runs `fn` with the /proc/self/fd path of the mount target, its descriptor and whether it was there before. */
  withMountTarget<T>(path: string, kind: MountTargetKind, fn: (fdPath: string, fd: number, existed: boolean) => T): T {
    const { fd, existed } = this.findOrMakeTarget(path, kind);
    try {
      return fn(procFdPath(fd), fd, existed);
    } finally {
      this.sys.close(fd);
    }
  }

  private findOrMakeTarget(path: string, kind: MountTargetKind): { fd: number; existed: boolean } {
    return this.named(path, () => {
      const found = this.target(path, kind, { left: MAX_SYMLINKS });
      try {
        if (isType(this.sys.statx(found.fd, "", AT.EMPTY_PATH | AT.SYMLINK_NOFOLLOW).mode, S_IFLNK)) throw pathError("resolve", "ELOOP", path);
      } catch (err) {
        this.sys.close(found.fd);
        throw err;
      }
      return found;
    });
  }

  /** Runs `fn`; a SysError from it names `path` and the root. */
  private named<T>(path: string, fn: () => T): T {
    checkPath(path);
    try {
      return fn();
    } catch (err) {
      if (err instanceof SysError && !(err instanceof InRootError)) throw new InRootError(err.call, err.errno, `'${path}' in '${this.path}'`);
      throw err;
    }
  }

  private lookup(path: string, follow: boolean, dir: boolean): number {
    if (this.resolver === "walk") return walkInRoot(this.sys, this.fd, path, follow, dir);
    return openInRoot(this.sys, this.fd, path, O.PATH | (follow ? 0 : O_NOFOLLOW) | (dir ? O_DIRECTORY : 0), 0);
  }

  /** `fn` with the resolved parent directory of the final name (symlinks on the way followed, inside the root). */
  private withParent<T>(path: string, fn: (dirFd: number, name: string, dir: string) => T): T {
    const split = splitFinal(path);
    if (!split) throw pathError("resolve", "EINVAL", path);
    const dirFd = components(split.dir).length ? this.lookup(split.dir, true, true) : this.fd;
    try {
      return fn(dirFd, split.name, split.dir);
    } finally {
      if (dirFd !== this.fd) this.sys.close(dirFd);
    }
  }

  /** `named` for an entry with a final name; `whole` for the root itself or a path ending in "..". */
  private withEntry<T>(path: string, named: (dirFd: number, name: string) => T, whole: (fd: number) => T): T {
    if (splitFinal(path)) return this.withParent(path, named);
    const fd = this.lookup(path, true, true);
    try {
      return whole(fd);
    } finally {
      this.sys.close(fd);
    }
  }

  private openFile(path: string, flags: number, mode: number, follow: boolean, links: LinkBudget): number {
    if (this.resolver === "openat2") return openInRoot(this.sys, this.fd, path, flags | (follow ? 0 : O_NOFOLLOW), mode);
    if (flags & O.PATH) return walkInRoot(this.sys, this.fd, path, follow, (flags & O_DIRECTORY) !== 0);
    const split = splitFinal(path);
    if (!split) {
      if (flags & O.CREAT) throw pathError("openat", "EISDIR", path);
      const dirFd = walkInRoot(this.sys, this.fd, path, true, true);
      try {
        return this.sys.openat(dirFd, ".", flags | O.CLOEXEC, 0);
      } finally {
        this.sys.close(dirFd);
      }
    }
    try {
      return this.withParent(path, (dirFd, name) => this.sys.openat(dirFd, name, flags | O_NOFOLLOW | O.CLOEXEC, mode));
    } catch (err) {
      // O_NOFOLLOW met a final symlink: follow it by hand, inside the root.
      if (!follow || !isErrno(err, "ELOOP")) throw err;
      const target = this.withParent(path, (dirFd, name) => this.linkTarget(dirFd, name));
      if (target === null) throw err;
      if (--links.left < 0) throw pathError("openat", "ELOOP", path);
      return this.openFile(linkDestination(split.dir, target), flags, mode, follow, links);
    }
  }

  /** The target of `name` under `dirFd` if it is a symlink, else null. */
  private linkTarget(dirFd: number, name: string): string | null {
    try {
      return this.sys.readlinkat(dirFd, name);
    } catch (err) {
      if (isErrno(err, "EINVAL")) return null;
      throw err;
    }
  }

  private makeDirs(path: string, mode: number, links: LinkBudget): number {
    try {
      return this.lookup(path, true, true);
    } catch (err) {
      if (!isErrno(err, "ENOENT")) throw err;
      if (!splitFinal(path)) throw err;
    }
    const { dir, name } = splitFinal(path)!;
    const parent = this.makeDirs(dir, mode, links);
    try {
      try {
        this.sys.mkdirat(parent, name, mode);
      } catch (err) {
        if (!isErrno(err, "EEXIST")) throw err;
        const target = this.linkTarget(parent, name);
        if (target !== null) {
          if (--links.left < 0) throw pathError("mkdirat", "ELOOP", path);
          return this.makeDirs(linkDestination(dir, target), mode, links);
        }
      }
      return this.sys.openat(parent, name, O.PATH | O_NOFOLLOW | O_DIRECTORY | O.CLOEXEC);
    } finally {
      this.sys.close(parent);
    }
  }

  private target(path: string, kind: MountTargetKind, links: LinkBudget): { fd: number; existed: boolean } {
    try {
      return { fd: this.lookup(path, true, false), existed: true };
    } catch (err) {
      if (!isErrno(err, "ENOENT")) throw err;
    }
    if (kind === "dir") return { fd: this.makeDirs(path, 0o755, links), existed: false };
    const split = splitFinal(path);
    if (!split) throw pathError("resolve", "ENOENT", path);
    const parent = this.makeDirs(split.dir, 0o755, links);
    try {
      let existed = false;
      try {
        this.sys.close(this.sys.openat(parent, split.name, O.WRONLY | O.CREAT | O.EXCL | O_NOFOLLOW | O.CLOEXEC, 0o644));
      } catch (err) {
        if (!isErrno(err, "EEXIST")) throw err;
        const target = this.linkTarget(parent, split.name);
        if (target !== null) {
          if (--links.left < 0) throw pathError("openat", "ELOOP", path);
          return this.target(linkDestination(split.dir, target), kind, links);
        }
        existed = true;
      }
      return { fd: this.sys.openat(parent, split.name, O.PATH | O_NOFOLLOW | O.CLOEXEC), existed };
    } finally {
      this.sys.close(parent);
    }
  }

  private removeEntry(dirFd: number, name: string, buf: Buffer): void {
    if (!isType(this.sys.statx(dirFd, name, AT.SYMLINK_NOFOLLOW).mode, S_IFDIR)) {
      this.sys.unlinkat(dirFd, name, 0);
      return;
    }
    const fd = this.sys.openat(dirFd, name, O.RDONLY | O_DIRECTORY | O_NOFOLLOW | O.CLOEXEC);
    try {
      // Each batch is removed before the next is read; the buffer is free again once a batch is in strings.
      for (let batch = this.sys.readDirBatch(fd, buf); batch.length; batch = this.sys.readDirBatch(fd, buf)) {
        for (const entry of batch) {
          try {
            this.removeEntry(fd, entry, buf);
          } catch (err) {
            if (!isErrno(err, "ENOENT")) throw err;
          }
        }
      }
    } finally {
      this.sys.close(fd);
    }
    this.sys.unlinkat(dirFd, name, AT.REMOVEDIR);
  }
}
