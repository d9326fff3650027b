// Rebuilds a checkpoint's tree in a new directory. Entries come from a file that may be hostile: a path may not
// climb out (no "..", no absolute paths) and must sit in a directory this restore created, so a symlink in the
// tree can never redirect a write. The tree is built beside `target` and renamed into place when complete.
import { chmodSync, closeSync, existsSync, fchmodSync, fchownSync, fdatasyncSync, fsyncSync, futimesSync, lchownSync, lutimesSync, mkdirSync, openSync, renameSync, rmSync, symlinkSync, utimesSync, writeSync, chownSync } from "node:fs";
import { dirname, join } from "node:path";
import { ByteReader, FormatError } from "../durable/bytes.ts";
import { locateChunks, readCheckpoint, type CheckpointContents, type ChunkLocation } from "./checkpoint-file.ts";
import type { Chunk, TreeEntry } from "../durable/checkpoint-records.ts";
import { hashHex, unpackChunk } from "./chunks.ts";
import { loadRecord } from "../durable/frame.ts";
import { recordType } from "../durable/record-types.ts";
import { fsStorage, type Storage } from "../durable/storage.ts";

export interface TreeRestored {
  target: string;
  entries: number;
  bytes: number;
}

const chunkType = recordType("chunk");

const checkPath = (path: string): void => {
  if (path === "") return;
  if (path.startsWith("/") || path.split("/").some((p) => p === "" || p === "." || p === ".."))
    throw new FormatError(`Restore entry '${path}': the path must be relative and stay inside the tree`);
};

const loadChunk = (storage: Storage, at: ChunkLocation): Uint8Array => {
  const rec = loadRecord((offset, length) => storage.readAt(at.file, offset, length), at.ref);
  if (!rec.ok || rec.type !== chunkType.code) throw new FormatError(`Chunk record at offset ${at.ref.offset} of '${at.file}' is damaged${rec.ok ? "" : `: ${rec.reason}`}`);
  return unpackChunk(chunkType.codec.decode(new ByteReader(rec.payload)) as Chunk);
};

export interface RestoreTreeOptions {
  storage?: Storage;
  /** Already read by the caller. */
  contents?: CheckpointContents;
  /** Swap out an existing `target` (it is removed once the restored tree is in place). */
  replace?: boolean;
  /** Sync every file and directory (default): off for scratch trees that no power cut needs to find again. */
  durable?: boolean;
}

/** Restores the tree named `tree` of `file` into `target`. */
export const restoreTree = (file: string, tree: string, target: string, opts: RestoreTreeOptions = {}): TreeRestored => {
  const storage = opts.storage ?? fsStorage();
  const contents = opts.contents ?? readCheckpoint(file, storage);
  const entries = contents.trees.find((t) => t.name === tree)?.entries;
  if (!entries) throw new Error(`Restore checkpoint '${file}': it holds no tree '${tree}' (it holds ${contents.trees.map((t) => `'${t.name}'`).join(", ") || "none"})`);
  const chunks = locateChunks(file, contents, storage);
  if (existsSync(target) && !opts.replace) throw new Error(`Restore checkpoint '${file}': target '${target}' already exists`);
  const building = `${target}.restoring`;
  rmSync(building, { recursive: true, force: true });
  rmSync(`${target}.replaced`, { recursive: true, force: true });
  const root = process.getuid?.() === 0;
  const durable = opts.durable ?? true;
  const dirs = new Map<string, TreeEntry>();
  let bytes = 0;
  try {
    for (const e of entries) {
      checkPath(e.path);
      const parent = e.path.includes("/") ? e.path.slice(0, e.path.lastIndexOf("/")) : "";
      if (e.path !== "" && !dirs.has(parent)) throw new FormatError(`Restore entry '${e.path}': its directory is not an earlier directory entry`);
      if (dirs.has(e.path)) throw new FormatError(`Restore entry '${e.path}': the path appears twice`);
      const abs = e.path === "" ? building : join(building, e.path);
      if (e.path === "" && e.type !== "dir") throw new FormatError("Restore: the tree's root must be a directory");
      if (e.type === "dir") {
        // Owner-writable until the end, so read-only directories can still be filled.
        mkdirSync(abs, { mode: 0o700 });
        dirs.set(e.path, e);
      } else if (e.type === "symlink") {
        symlinkSync(e.target ?? "", abs);
        if (root) lchownSync(abs, e.uid, e.gid);
        lutimesSync(abs, e.mtimeMs / 1000, e.mtimeMs / 1000);
      } else {
        const fd = openSync(abs, "wx", 0o600);
        try {
          for (const h of e.chunks) {
            const data = loadChunk(storage, chunks.get(hashHex(h))!);
            writeSync(fd, data);
            bytes += data.length;
          }
          if (root) fchownSync(fd, e.uid, e.gid);
          fchmodSync(fd, e.mode);
          futimesSync(fd, e.mtimeMs / 1000, e.mtimeMs / 1000);
          if (durable) fdatasyncSync(fd);
        } finally {
          closeSync(fd);
        }
      }
    }
    for (const [path, e] of [...dirs].reverse()) {
      const abs = path === "" ? building : join(building, path);
      if (root) chownSync(abs, e.uid, e.gid);
      chmodSync(abs, e.mode);
      utimesSync(abs, e.mtimeMs / 1000, e.mtimeMs / 1000);
      if (durable) syncDir(abs);
    }
    if (existsSync(target)) {
      renameSync(target, `${target}.replaced`);
      renameSync(building, target);
      rmSync(`${target}.replaced`, { recursive: true, force: true });
    } else renameSync(building, target);
    if (durable) syncDir(dirname(target));
  } catch (err) {
    rmSync(building, { recursive: true, force: true });
    throw new Error(`Restore checkpoint '${file}' into '${target}'`, { cause: err });
  }
  return { target, entries: entries.length, bytes };
};

const syncDir = (dir: string): void => {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
};
