// The machine under the unpacker and container roots: trees written through the in-root handle (every path
// resolved inside the tree at the moment of use: runtime/rootfs/in-root.ts), directories synced, overlayfs mounts,
// small files read inside an image's root, an image volume's content copied out of it.
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, constants, existsSync } from "node:fs";
import { O, O_DIRECTORY, S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG } from "../../ffi/constants.ts";
import { isErrno } from "../../ffi/errno.ts";
import { makedev, procFdPath, startWriteback, writeAll } from "../../ffi/fd.ts";
import { realFsSyscalls } from "../../ffi/syscalls.ts";
import { InRoot, inRootOptionsFromEnv } from "../../runtime/rootfs/in-root.ts";
import { parseMountTable } from "../../runtime/rootfs/mount-table.ts";
import type { RootHost } from "./root-host.ts";
import type { LayerFs, OpenTree } from "./layers.ts";
import { mountOverlay, overlayAvailable, unmount } from "./overlay.ts";
import type { EntryKind, TreeWriter } from "./tree.ts";

const openRoot = (path: string): InRoot => InRoot.open(realFsSyscalls, path, inRootOptionsFromEnv());

const kindOf = (mode: number): EntryKind => {
  const t = mode & S_IFMT;
  return t === S_IFDIR ? "dir" : t === S_IFREG ? "file" : t === S_IFLNK ? "symlink" : "other";
};

const NODE_TYPES = { char: S_IFCHR, block: S_IFBLK, fifo: S_IFIFO } as const;

/** Names in a directory of the tree, read through the descriptor the in-root handle resolved. */
const listIn = (root: InRoot, path: string): string[] => {
  const fd = root.open(path, O.RDONLY | O_DIRECTORY, 0, true);
  try {
    return readdirSync(procFdPath(fd));
  } finally {
    root.release(fd);
  }
};

export const inRootTree = (path: string): OpenTree => {
  const root = openRoot(path);
  return {
    lstat(p) {
      try {
        return kindOf(root.lstat(p).mode);
      } catch (err) {
        if (isErrno(err, "ENOENT")) return undefined;
        throw err;
      }
    },
    mkdirAll: (p) => root.release(root.mkdirAll(p, 0o755)),
    mkdir: (p, mode) => root.mkdir(p, mode),
    createFile(p, mode) {
      const fd = root.open(p, O.WRONLY | O.CREAT | O.EXCL | O.CLOEXEC, mode);
      return {
        write: (c) => writeAll(fd, c, p),
        close() {
          // The layer's one syncfs then finds this file on its way to the disk already.
          startWriteback(fd, 0, 0);
          root.release(fd);
        },
      };
    },
    symlink: (target, p) => root.symlink(target, p),
    link: (existing, p) => root.link(existing, p),
    mknod: (p, kind, mode, major, minor) => root.mknod(p, NODE_TYPES[kind] | (mode & 0o7777), makedev(major, minor)),
    removeAll: (p) => root.removeAll(p),
    list: (p) => listIn(root, p),
    lchown: (p, uid, gid) => root.lchown(p, uid, gid),
    chmod: (p, mode) => root.chmod(p, mode),
    utimes(p, mtime) {
      const t = { sec: BigInt(Math.floor(mtime)), nsec: Math.round((mtime % 1) * 1e9) };
      root.utimes(p, t, t);
    },
    setxattr: (p, name, value) => root.setxattr(p, name, value),
    sync: () => root.sync(),
    close: () => root.close(),
  };
};

export const fsyncDir = (dir: string): void => {
  const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
};

export const hostLayerFs = (): LayerFs => ({
  exists: (path) => existsSync(path),
  mkdir: (path) => void mkdirSync(path, { mode: 0o755 }),
  removeTree: (path) => rmSync(path, { recursive: true, force: true }),
  rename: (from, to) => renameSync(from, to),
  fsyncDir,
  openTree: inRootTree,
});

const READ_PIECE = 64 * 1024;

/** Reads a file of the image's root (following links inside it), at most `max` bytes; undefined when absent. */
const readInRoot = (rootPath: string, path: string, max: number): string | undefined => {
  const root = openRoot(rootPath);
  try {
    let fd: number;
    try {
      fd = root.open(path, O.RDONLY | O.CLOEXEC, 0, true);
    } catch (err) {
      if (isErrno(err, "ENOENT") || isErrno(err, "ENOTDIR")) return undefined;
      throw err;
    }
    try {
      if (kindOf(root.fstat(fd).mode) !== "file") return undefined;
      const buf = Buffer.alloc(max + 1);
      let got = 0;
      for (let n = 1; n > 0 && got <= max; got += n) n = readSync(fd, buf, got, Math.min(READ_PIECE, buf.length - got), null);
      if (got > max) throw new Error(`'${path}' of the image is larger than ${max} bytes`);
      return buf.toString("utf8", 0, got);
    } finally {
      root.release(fd);
    }
  } finally {
    root.close();
  }
};

/** Copies what the image holds at `path` (a directory: files, directories, symlinks with owners, modes, times). */
const copyInRoot = (rootPath: string, path: string, dest: string): void => {
  const src = openRoot(rootPath);
  const out = inRootTree(dest);
  try {
    let top: number;
    try {
      top = src.resolve(path);
    } catch (err) {
      if (isErrno(err, "ENOENT")) return;
      throw err;
    }
    // The volume's own path may be a link inside the image: copy from where it leads, by its descriptor's path.
    const from = procFdPath(top);
    const fromRoot = openRoot(from);
    try {
      if (kindOf(fromRoot.lstat("/").mode) === "dir") copyDir(fromRoot, "/", out, "");
    } finally {
      fromRoot.close();
      src.release(top);
    }
    out.sync();
  } finally {
    out.close();
    src.close();
  }
};

const copyDir = (src: InRoot, dir: string, out: TreeWriter, prefix: string): void => {
  for (const name of listIn(src, dir)) {
    const p = `${dir === "/" ? "" : dir}/${name}`;
    const st = src.lstat(p);
    const kind = kindOf(st.mode);
    const target = `${prefix}${p}`;
    if (kind === "dir") {
      out.mkdir(target, 0o700);
      copyDir(src, p, out, prefix);
    } else if (kind === "symlink") out.symlink(src.readlink(p), target);
    else if (kind === "file") {
      const fd = src.open(p, O.RDONLY | O.CLOEXEC, 0, false);
      const sink = out.createFile(target, 0o600);
      try {
        const buf = Buffer.alloc(READ_PIECE);
        for (let n = readSync(fd, buf, 0, READ_PIECE, null); n > 0; n = readSync(fd, buf, 0, READ_PIECE, null)) sink.write(buf.subarray(0, n));
      } finally {
        sink.close();
        src.release(fd);
      }
    } else continue;
    out.lchown(target, st.uid, st.gid);
    if (kind !== "symlink") out.chmod(target, st.mode & 0o7777);
    out.utimes(target, Number(st.mtime.sec) + st.mtime.nsec / 1e9);
  }
};

export const isMountPoint = (path: string): boolean => parseMountTable(readFileSync("/proc/self/mountinfo", "utf8")).some((m) => m.mountpoint === path);

export const hostRootHost = (): RootHost => ({
  fs: hostLayerFs(),
  readInRoot,
  copyInRoot,
  overlayAvailable,
  mountOverlay,
  unmount,
  isMountPoint,
  readDir: (path) => readdirSync(path),
});
