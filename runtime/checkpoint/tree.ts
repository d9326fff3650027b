// Walks a directory tree in a stable order (parents before children, names sorted) for checkpoint manifests.
import { lstatSync, readdirSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import type { TreeEntry } from "../durable/checkpoint-records.ts";

export interface TreeItem {
  /** The manifest entry without its chunks (those come from reading the file). */
  entry: Omit<TreeEntry, "chunks">;
  abs: string;
}

/** Yields directories, regular files and symlinks; calls `skip` for anything else (sockets, fifos, devices). */
export function* walkTree(root: string, skip: (path: string, why: string) => void): Generator<TreeItem> {
  const stack = [""];
  while (stack.length > 0) {
    const rel = stack.pop()!;
    const abs = rel === "" ? root : join(root, rel);
    const st = lstatSync(abs);
    const base = { path: rel, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtimeMs: Math.trunc(st.mtimeMs), size: 0 };
    if (st.isDirectory()) {
      yield { entry: { ...base, type: "dir" }, abs };
      const names = readdirSync(abs).sort().reverse();
      for (const name of names) stack.push(rel === "" ? name : `${rel}/${name}`);
    } else if (st.isFile()) yield { entry: { ...base, type: "file", size: st.size }, abs };
    else if (st.isSymbolicLink()) yield { entry: { ...base, type: "symlink", target: readlinkSync(abs) }, abs };
    else skip(rel, "not a directory, regular file or symlink");
  }
}
