// One layer's tar, written into a tree. Names are cleaned (a leading '/' dropped; '..' refused: a path traversal is
// an error, not a clamp), every write goes through the tree writer, which resolves paths inside the tree, and a
// later entry replaces an earlier one of the same name (a directory is merged). Whiteouts: as overlay whiteouts in
// a layer directory (a 0/0 character device; `trusted.overlay.opaque` on an opaque directory), or as deletions of
// what lower layers put there when the layers are flattened into one tree. A whiteout never touches what its own
// layer created (image spec: it applies to lower layers only).
import type { TarEntry } from "../tar/tar-reader.ts";
import { escapeText } from "../text.ts";
import type { TreeWriter } from "./tree.ts";

export type UnpackMode = "layer" | "flatten";

export interface ExtractOptions {
  mode: UnpackMode;
  /** Set owners (only root can). */
  chown: boolean;
  /** Create character and block devices (otherwise they are skipped and counted). */
  devices: boolean;
  what: string;
}

export interface ExtractStats {
  entries: number;
  bytes: number;
  whiteouts: number;
  /** What was left out, by reason: device nodes, overlay xattrs, xattrs the file system refused. */
  skipped: { devices: number; overlayXattrs: number; xattrs: number };
}

const WHITEOUT = ".wh.";
const OPAQUE = ".wh..wh..opq";
const OVERLAY_OPAQUE = "trusted.overlay.opaque";

/** "/a/b" from a tar name; "" for the root itself. Throws on '..'. */
export const cleanName = (raw: string, what: string): string => {
  const parts = raw.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.includes("..")) throw new Error(`The ${what} has an entry '${escapeText(raw)}' that climbs out with '..': refused`);
  if (parts.some((p) => p.includes("\0"))) throw new Error(`The ${what} has an entry name with a NUL byte: refused`);
  return parts.length ? `/${parts.join("/")}` : "";
};

const parentOf = (path: string): string => path.slice(0, path.lastIndexOf("/")) || "/";
const baseOf = (path: string): string => path.slice(path.lastIndexOf("/") + 1);

interface DirMeta {
  path: string;
  mode: number;
  mtime: number;
}

const isErrnoCode = (err: unknown, ...codes: string[]): boolean => codes.includes((err as { code?: string })?.code ?? "");

export const extractLayer = async (
  entries: AsyncIterable<{ entry: TarEntry; body: () => AsyncIterable<Uint8Array> }>,
  tree: TreeWriter,
  opts: ExtractOptions,
): Promise<ExtractStats> => {
  const stats: ExtractStats = { entries: 0, bytes: 0, whiteouts: 0, skipped: { devices: 0, overlayXattrs: 0, xattrs: 0 } };
  const dirs: DirMeta[] = [];
  /** Flattening: what this layer made, and the directories holding it, which its own whiteouts leave alone. */
  const made = new Set<string>();
  const holding = new Set<string>();
  const flatten = opts.mode === "flatten";
  const record = (path: string): void => {
    if (!flatten) return;
    made.add(path);
    for (let d = parentOf(path); d !== "/" && !holding.has(d); d = parentOf(d)) holding.add(d);
  };
  const join = (dir: string, name: string): string => `${dir === "/" ? "" : dir}/${name}`;
  /** An opaque directory when flattening: what lower layers put in it goes, recursively, this layer's stays. */
  const clearLower = (dir: string): void => {
    for (const child of tree.list(dir)) {
      const p = join(dir, child);
      if (holding.has(p) || (made.has(p) && tree.lstat(p) === "dir")) clearLower(p);
      else if (!made.has(p)) tree.removeAll(p);
    }
  };

  const whiteout = (path: string): void => {
    const dir = parentOf(path);
    const base = baseOf(path);
    stats.whiteouts++;
    if (base === OPAQUE) {
      if (flatten) {
        if (tree.lstat(dir) === "dir") clearLower(dir);
        return;
      }
      if (tree.lstat(dir) === undefined) tree.mkdirAll(dir);
      tree.setxattr(dir, OVERLAY_OPAQUE, new TextEncoder().encode("y"));
      return;
    }
    if (base.startsWith(`${WHITEOUT}${WHITEOUT}`)) return; // aufs bookkeeping (.wh..wh.plnk, ...): nothing to apply
    const name = base.slice(WHITEOUT.length);
    if (name === "" || name === "." || name === "..") throw new Error(`The ${opts.what} has a whiteout '${escapeText(path)}' of '${escapeText(name)}': refused`);
    const target = join(dir, name);
    if (flatten) {
      if (!made.has(target) && !holding.has(target)) tree.removeAll(target);
      return;
    }
    if (tree.lstat(target) !== undefined) return; // made by this layer: a whiteout only hides lower layers
    if (dir !== "/" && tree.lstat(dir) === undefined) tree.mkdirAll(dir);
    tree.mknod(target, "char", 0, 0, 0);
  };

  const metadata = (path: string, e: TarEntry): void => {
    if (opts.chown) tree.lchown(path, e.uid, e.gid);
    for (const [name, value] of e.xattrs) {
      if (name.startsWith("trusted.overlay.")) {
        stats.skipped.overlayXattrs++;
        continue;
      }
      try {
        tree.setxattr(path, name, value);
      } catch (err) {
        if (!isErrnoCode(err, "EOPNOTSUPP", "ENOTSUP", "EPERM")) throw err;
        stats.skipped.xattrs++;
      }
    }
    if (e.type === "dir") {
      dirs.push({ path, mode: e.mode, mtime: e.mtime });
      return;
    }
    if (e.type !== "symlink") tree.chmod(path, e.mode);
    tree.utimes(path, e.mtime);
  };

  for await (const { entry, body } of entries) {
    const path = cleanName(entry.name, opts.what);
    if (path === "") continue; // the layer's "./": the tree's own root keeps its mode
    stats.entries++;
    if (baseOf(path).startsWith(WHITEOUT)) {
      whiteout(path);
      continue;
    }
    const parent = parentOf(path);
    // A parent the layer did not list is made; one that is a symlink is followed (inside the tree) and made there.
    if (parent !== "/" && tree.lstat(parent) !== "dir") tree.mkdirAll(parent);
    const existing = tree.lstat(path);
    if (existing !== undefined && !(existing === "dir" && entry.type === "dir")) tree.removeAll(path);
    switch (entry.type) {
      case "dir":
        if (existing !== "dir") tree.mkdir(path, 0o700);
        break;
      case "file": {
        const sink = tree.createFile(path, 0o600);
        try {
          for await (const chunk of body()) {
            sink.write(chunk);
            stats.bytes += chunk.length;
          }
        } finally {
          sink.close();
        }
        break;
      }
      case "symlink":
        tree.symlink(entry.linkname, path);
        break;
      case "hardlink": {
        const target = cleanName(entry.linkname, opts.what);
        if (target === "") throw new Error(`The ${opts.what} has a hard link '${escapeText(entry.name)}' to the root: refused`);
        try {
          tree.link(target, path);
        } catch (err) {
          if (isErrnoCode(err, "ENOENT")) throw new Error(`The ${opts.what} has a hard link '${escapeText(entry.name)}' to '${escapeText(entry.linkname)}', which ${flatten ? "is not in the image" : "this layer does not hold"}`);
          if (isErrnoCode(err, "EPERM", "EXDEV")) throw new Error(`The ${opts.what} has a hard link '${escapeText(entry.name)}' to '${escapeText(entry.linkname)}', which cannot be linked (a directory, or outside the tree)`, { cause: err });
          throw err;
        }
        record(path);
        // A hard link shares its target's inode: its metadata is the target's.
        continue;
      }
      case "char":
      case "block":
        if (!opts.devices) {
          stats.skipped.devices++;
          continue;
        }
        tree.mknod(path, entry.type, entry.mode, entry.devmajor, entry.devminor);
        break;
      case "fifo":
        tree.mknod(path, "fifo", entry.mode, 0, 0);
        break;
    }
    record(path);
    metadata(path, entry);
  }
  // Deepest first, so setting a directory's time is not undone by work inside it.
  for (const d of dirs.sort((a, b) => b.path.length - a.path.length)) {
    tree.chmod(d.path, d.mode);
    tree.utimes(d.path, d.mtime);
  }
  return stats;
};
