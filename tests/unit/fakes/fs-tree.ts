// A fake of FsSyscalls over an in-memory tree, with the kernel's meaning for one name under a directory descriptor.
// It fails loudly where in-root code must never go: a multi-component or ".." name given to openat (the walk must
// resolve those itself), an openat that would let the kernel follow a final symlink, an unknown descriptor. openat2
// is emulated with RESOLVE_IN_ROOT's rules. Every call is recorded; open descriptors can be listed to catch leaks.
import { AT, AT_FDCWD, O, O_DIRECTORY, O_NOFOLLOW, RESOLVE, S_IFDIR, S_IFLNK, S_IFMT, S_IFREG } from "../../../ffi/constants.ts";
import { errnoNumber, SysError } from "../../../ffi/errno.ts";
import type { Stat } from "../../../ffi/stat.ts";
import type { FsSyscalls } from "../../../ffi/syscalls.ts";

export interface Node {
  mode: number;
  uid: number;
  gid: number;
  entries?: Map<string, Node>;
  parent?: Node;
  target?: string;
  dev?: bigint;
  xattrs: Map<string, string>;
  mtime?: bigint;
  /** The mount id statx reports (0 unless a test sets one). */
  mntId?: bigint;
  /** A regular file's content. */
  data?: Buffer;
  /** The f_type fstatfs reports for it (ext4's unless a test sets one). */
  fsType?: number;
}

const UMASK = 0o022;
const PROC_FD = /^\/proc\/self\/fd\/(\d+)(?:\/(.+))?$/;

const fail = (call: string, errno: string, what: string): never => {
  throw new SysError(call, errnoNumber(errno), `'${what}' (fake)`);
};
const loud = (what: string): never => {
  throw new Error(`fs fake: ${what}`);
};

const isDir = (n: Node): boolean => (n.mode & S_IFMT) === S_IFDIR;
const isLink = (n: Node): boolean => (n.mode & S_IFMT) === S_IFLNK;

export interface FakeFs {
  sys: FsSyscalls;
  calls: { name: string; args: unknown[] }[];
  /** Names of the calls, in order. */
  names(): string[];
  /** The next `times` calls of `name` fail with `errno`. */
  failNext(name: keyof FsSyscalls, errno: string, times?: number): void;
  dir(path: string): Node;
  file(path: string): Node;
  symlink(path: string, target: string): Node;
  /** The node at a host path, no symlink followed; undefined if missing. */
  get(path: string): Node | undefined;
  /** Descriptors not closed yet. */
  openFds(): number[];
}

export const fakeFs = (): FakeFs => {
  const host: Node = { mode: S_IFDIR | 0o755, uid: 0, gid: 0, entries: new Map(), xattrs: new Map() };
  host.parent = host;
  const fds = new Map<number, { node: Node; pathOnly: boolean; read: boolean; pos: number }>();
  const calls: FakeFs["calls"] = [];
  const failures: { name: string; errno: string; left: number }[] = [];
  let nextFd = 20;

  const child = (dir: Node, name: string): Node | undefined => dir.entries!.get(name);
  const add = (dir: Node, name: string, node: Node): Node => {
    if (!dir.entries) fail("create", "ENOTDIR", name);
    if (dir.entries!.has(name)) fail("create", "EEXIST", name);
    node.parent = dir;
    dir.entries!.set(name, node);
    return node;
  };
  const newNode = (mode: number, extra: Partial<Node> = {}): Node => ({ mode, uid: 0, gid: 0, xattrs: new Map(), ...extra });
  const lexical = (path: string, create?: (dir: Node, name: string) => Node): Node | undefined => {
    let cur = host;
    const parts = path.split("/").filter(Boolean);
    for (const [i, p] of parts.entries()) {
      let next = cur.entries?.get(p);
      if (!next && create) next = create(cur, p) ?? undefined;
      if (!next) return undefined;
      if (i < parts.length - 1 && !isDir(next)) return undefined;
      cur = next;
    }
    return cur;
  };
  const mkdirs = (path: string): Node => lexical(path, (d, n) => add(d, n, newNode(S_IFDIR | 0o755, { entries: new Map() })))!;
  const nodeOf = (fd: number): Node => fds.get(fd)?.node ?? loud(`unknown descriptor ${fd}`);
  const dirOf = (fd: number): Node => {
    const n = nodeOf(fd);
    return isDir(n) ? n : fail("at", "ENOTDIR", `fd ${fd}`);
  };
  const single = (call: string, name: string): string => {
    if (name === "" || name === ".." || name.includes("/")) loud(`${call} given '${name}': in-root code must pass one final name`);
    return name;
  };
  const newFd = (node: Node, pathOnly: boolean): number => {
    const fd = nextFd++;
    fds.set(fd, { node, pathOnly, read: false, pos: 0 });
    return fd;
  };
  const procTarget = (path: string): { node: Node; rest?: string } => {
    const m = PROC_FD.exec(path) ?? loud(`path-based call outside /proc/self/fd: '${path}'`);
    return { node: nodeOf(Number(m[1])), rest: m[2] };
  };

  /** Opens `node` (the entry already found) with `flags`; `name` for messages. */
  const openNode = (node: Node, flags: number, name: string): number => {
    if (flags & O.PATH) {
      if (flags & O_DIRECTORY && !isDir(node)) fail("openat", "ENOTDIR", name);
      return newFd(node, true);
    }
    if (isLink(node)) fail("openat", "ELOOP", name);
    if (flags & O_DIRECTORY && !isDir(node)) fail("openat", "ENOTDIR", name);
    if (isDir(node) && flags & (O.WRONLY | O.RDWR)) fail("openat", "EISDIR", name);
    return newFd(node, false);
  };

  const createIn = (dir: Node, name: string, flags: number, mode: number): number => {
    const existing = child(dir, name);
    if (existing) {
      if (flags & O.CREAT && flags & O.EXCL) fail("openat", "EEXIST", name);
      return openNode(existing, flags, name);
    }
    if (!(flags & O.CREAT)) fail("openat", "ENOENT", name);
    return newFd(add(dir, name, newNode(S_IFREG | (mode & ~UMASK))), false);
  };

  /** RESOLVE_IN_ROOT as the kernel does it (emulated for openat2). */
  const inRoot = (root: Node, path: string, flags: number): number => {
    const pending = path.split("/").filter((c) => c && c !== ".");
    let cur = root;
    let links = 0;
    while (pending.length) {
      const name = pending.shift()!;
      if (name === "..") {
        if (cur !== root) cur = cur.parent!;
        continue;
      }
      const last = pending.length === 0;
      const next = child(cur, name);
      if (!next) {
        if (last && flags & O.CREAT) return createIn(cur, name, flags, 0o644);
        fail("openat2", "ENOENT", path);
      }
      if (isLink(next!) && (!last || !(flags & O_NOFOLLOW))) {
        if (last && flags & O.CREAT && flags & O.EXCL) fail("openat2", "EEXIST", path);
        if (++links > 40) fail("openat2", "ELOOP", path);
        const t = next!.target!;
        if (t.startsWith("/")) cur = root;
        pending.unshift(...t.split("/").filter((c) => c && c !== "."));
        continue;
      }
      if (!last && !isDir(next!)) fail("openat2", "ENOTDIR", path);
      if (last) {
        if (flags & O.CREAT && flags & O.EXCL) fail("openat2", "EEXIST", path);
        return openNode(next!, flags, path);
      }
      cur = next!;
    }
    return openNode(cur, flags, path);
  };

  const impl: FsSyscalls = {
    openat2: (dirfd, path, flags, _mode, resolve) => {
      if (!(resolve & RESOLVE.IN_ROOT)) loud(`openat2 without RESOLVE_IN_ROOT: '${path}'`);
      return inRoot(dirOf(dirfd), path, flags);
    },
    openat: (dirfd, name, flags, mode = 0o644) => {
      if (dirfd === AT_FDCWD) {
        const node = lexical(name) ?? fail("openat", "ENOENT", name);
        return openNode(node, flags, name);
      }
      const dir = dirOf(dirfd);
      if (name === ".") return openNode(dir, flags, name);
      single("openat", name);
      if (!(flags & O_NOFOLLOW)) loud(`openat '${name}' without O_NOFOLLOW: the kernel would follow a final symlink`);
      return createIn(dir, name, flags, mode);
    },
    close: (fd) => {
      if (!fds.delete(fd)) loud(`close of unknown descriptor ${fd}`);
    },
    mkdirat: (dirfd, name, mode) => void add(dirOf(dirfd), single("mkdirat", name), newNode(S_IFDIR | (mode & ~UMASK), { entries: new Map() })),
    mknodat: (dirfd, name, mode, dev) => void add(dirOf(dirfd), single("mknodat", name), newNode((mode & S_IFMT) | (mode & 0o7777 & ~UMASK), { dev })),
    symlinkat: (target, dirfd, name) => void add(dirOf(dirfd), single("symlinkat", name), newNode(S_IFLNK | 0o777, { target })),
    linkat: (olddirfd, oldname, newdirfd, newname, flags) => {
      if (flags) loud(`linkat flags ${flags}`);
      const node = child(dirOf(olddirfd), single("linkat", oldname)) ?? fail("linkat", "ENOENT", oldname);
      if (isDir(node)) fail("linkat", "EPERM", oldname);
      const dir = dirOf(newdirfd);
      if (child(dir, single("linkat", newname))) fail("linkat", "EEXIST", newname);
      dir.entries!.set(newname, node);
    },
    unlinkat: (dirfd, name, flags) => {
      const dir = dirOf(dirfd);
      const node = child(dir, single("unlinkat", name)) ?? fail("unlinkat", "ENOENT", name);
      if (flags & AT.REMOVEDIR) {
        if (!isDir(node)) fail("unlinkat", "ENOTDIR", name);
        if (node.entries!.size) fail("unlinkat", "ENOTEMPTY", name);
      } else if (isDir(node)) fail("unlinkat", "EISDIR", name);
      dir.entries!.delete(name);
    },
    renameat2: (olddirfd, oldname, newdirfd, newname, flags) => {
      const from = dirOf(olddirfd);
      const to = dirOf(newdirfd);
      const node = child(from, single("renameat2", oldname)) ?? fail("renameat2", "ENOENT", oldname);
      const there = child(to, single("renameat2", newname));
      if (flags & 1 && there) fail("renameat2", "EEXIST", newname);
      from.entries!.delete(oldname);
      if (flags & 2 && there) {
        from.entries!.set(oldname, there);
        there.parent = from;
      }
      to.entries!.set(newname, node);
      node.parent = to;
    },
    fchownat: (dirfd, name, uid, gid, flags) => {
      const node = flags & AT.EMPTY_PATH && name === "" ? nodeOf(dirfd) : child(dirOf(dirfd), single("fchownat", name));
      if (!node) return fail("fchownat", "ENOENT", name);
      if (name && !(flags & AT.SYMLINK_NOFOLLOW)) loud(`fchownat '${name}' follows a final symlink`);
      Object.assign(node, { uid, gid });
    },
    fchmodat: (dirfd, path, mode) => {
      if (dirfd !== AT_FDCWD) loud(`fchmodat under a descriptor follows a final symlink: '${path}'`);
      const { node, rest } = procTarget(path);
      if (rest) loud(`fchmodat through '${path}'`);
      node.mode = (node.mode & S_IFMT) | (mode & 0o7777);
    },
    utimensat: (dirfd, name, _atime, mtime, flags) => {
      const node = dirfd === AT_FDCWD ? procTarget(name).node : child(dirOf(dirfd), single("utimensat", name));
      if (!node) return fail("utimensat", "ENOENT", name);
      if (dirfd !== AT_FDCWD && !(flags & AT.SYMLINK_NOFOLLOW)) loud(`utimensat '${name}' follows a final symlink`);
      node.mtime = mtime.sec;
    },
    readlinkat: (dirfd, name) => {
      const node = name === "" ? nodeOf(dirfd) : child(dirOf(dirfd), single("readlinkat", name));
      if (!node) return fail("readlinkat", "ENOENT", name);
      return isLink(node) ? node.target! : fail("readlinkat", "EINVAL", name);
    },
    statx: (dirfd, name, flags): Stat => {
      const node = dirfd === AT_FDCWD ? lexical(name) : name === "" ? (flags & AT.EMPTY_PATH ? nodeOf(dirfd) : fail("statx", "ENOENT", name)) : child(dirOf(dirfd), single("statx", name));
      if (!node) return fail("statx", "ENOENT", name);
      if (name && dirfd !== AT_FDCWD && !(flags & AT.SYMLINK_NOFOLLOW)) loud(`statx '${name}' follows a final symlink`);
      const dev = { major: Number((node.dev ?? 0n) >> 8n), minor: Number((node.dev ?? 0n) & 0xffn) };
      return { mode: node.mode, uid: node.uid, gid: node.gid, nlink: 1, size: 0n, ino: 0n, dev, rdev: dev, mtime: { sec: node.mtime ?? 0n, nsec: 0 }, mntId: node.mntId ?? 0n };
    },
    fstatfsType: (fd) => nodeOf(fd as number).fsType ?? 0xef53,
    readDirBatch: (fd) => {
      const f = fds.get(fd) ?? loud(`unknown descriptor ${fd}`);
      if (f.pathOnly) fail("getdents64", "EBADF", `fd ${fd}`);
      if (f.read) return [];
      f.read = true;
      return [...f.node.entries!.keys()];
    },
    lsetxattr: (path, name, value) => {
      const { node, rest } = procTarget(path);
      const target = rest === "." ? node : child(node, single("lsetxattr", rest ?? ""));
      if (!target) return fail("lsetxattr", "ENOENT", path);
      target.xattrs.set(name, Buffer.from(value).toString());
    },
    read: (fd, max) => {
      const f = fds.get(fd) ?? loud(`unknown descriptor ${fd}`);
      if (f.pathOnly) fail("read", "EBADF", `fd ${fd}`);
      const chunk = (f.node.data ?? Buffer.alloc(0)).subarray(f.pos, f.pos + max);
      f.pos += chunk.length;
      return Buffer.from(chunk);
    },
    writeAll: (fd, data) => {
      const f = fds.get(fd) ?? loud(`unknown descriptor ${fd}`);
      if (f.pathOnly) fail("write", "EBADF", `fd ${fd}`);
      f.node.data = Buffer.concat([f.node.data ?? Buffer.alloc(0), Buffer.from(data)]);
    },
    syncfs: (fd) => {
      if (fds.get(fd)?.pathOnly !== false) fail("syncfs", "EBADF", `fd ${fd}`);
    },
  };

  const sys = Object.fromEntries(
    Object.entries(impl).map(([name, fn]) => [
      name,
      (...args: unknown[]) => {
        calls.push({ name, args });
        const f = failures.find((x) => x.name === name && x.left > 0);
        if (f) {
          f.left--;
          throw new SysError(name, errnoNumber(f.errno), "(injected)");
        }
        return (fn as (...a: unknown[]) => unknown)(...args);
      },
    ]),
  ) as unknown as FsSyscalls;

  return {
    sys,
    calls,
    names: () => calls.map((c) => c.name),
    failNext: (name, errno, times = 1) => failures.push({ name, errno, left: times }),
    dir: mkdirs,
    file: (path) => {
      const parts = path.split("/");
      const name = parts.pop()!;
      return add(mkdirs(parts.join("/")), name, newNode(S_IFREG | 0o644));
    },
    symlink: (path, target) => {
      const parts = path.split("/");
      const name = parts.pop()!;
      return add(mkdirs(parts.join("/")), name, newNode(S_IFLNK | 0o777, { target }));
    },
    get: (path) => lexical(path),
    openFds: () => [...fds.keys()],
  };
};
