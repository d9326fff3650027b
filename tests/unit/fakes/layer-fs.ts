// Layer directories on the fault storage, so that unpacking can be cut at every write like a blob import: each
// directory is one file holding the log of the tree operations made in it (framed, checksummed records), mirrored
// in memory for reads. `sync()` (syncfs) fsyncs the log; until then a power cut keeps any part of it, torn or not.
// Replaying a log to its first damaged record gives the tree the next boot would find.
import { crc32c } from "../../../runtime/durable/crc32c.ts";
import type { Storage, StorageFile } from "../../../runtime/durable/storage.ts";
import type { LayerFs, OpenTree } from "../../../image/unpack/layers.ts";
import { MemoryTree } from "./memory-tree.ts";

type Op =
  | ["mkdirAll", string]
  | ["mkdir", string, number]
  | ["create", string, number]
  | ["write", string, string]
  | ["symlink", string, string]
  | ["link", string, string]
  | ["mknod", string, "char" | "block" | "fifo", number, number, number]
  | ["removeAll", string]
  | ["lchown", string, number, number]
  | ["chmod", string, number]
  | ["utimes", string, number]
  | ["setxattr", string, string, string];

const apply = (t: MemoryTree, op: Op, open: Map<string, { write(c: Uint8Array): void; close(): void }>): void => {
  switch (op[0]) {
    case "mkdirAll": return t.mkdirAll(op[1]);
    case "mkdir": return t.mkdir(op[1], op[2]);
    case "create": return void open.set(op[1], t.createFile(op[1], op[2]));
    case "write": {
      const sink = open.get(op[1])!;
      sink.write(Buffer.from(op[2], "base64"));
      // The memory tree gathers a file's data at close; close and reopen keep the replayed file readable as it grows.
      return;
    }
    case "symlink": return t.symlink(op[2], op[1]);
    case "link": return t.link(op[2], op[1]);
    case "mknod": return t.mknod(op[1], op[2], op[3], op[4], op[5]);
    case "removeAll": return t.removeAll(op[1]);
    case "lchown": return t.lchown(op[1], op[2], op[3]);
    case "chmod": return t.chmod(op[1], op[2]);
    case "utimes": return t.utimes(op[1], op[2]);
    case "setxattr": return t.setxattr(op[1], op[2], Buffer.from(op[3], "base64"));
  }
};

const encode = (op: Op): Uint8Array => {
  const body = new TextEncoder().encode(JSON.stringify(op));
  const out = new Uint8Array(8 + body.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, body.length, true);
  v.setUint32(4, crc32c(body), true);
  out.set(body, 8);
  return out;
};

/** The tree a log holds, read up to its first damaged record. */
export const replay = (log: Uint8Array | undefined): MemoryTree => {
  const t = new MemoryTree();
  const open = new Map<string, { write(c: Uint8Array): void; close(): void }>();
  for (let at = 0; log && at + 8 <= log.length; ) {
    const v = new DataView(log.buffer, log.byteOffset + at, 8);
    const len = v.getUint32(0, true);
    if (len === 0 || at + 8 + len > log.length) break;
    const body = log.subarray(at + 8, at + 8 + len);
    if (crc32c(body) !== v.getUint32(4, true)) break;
    try {
      apply(t, JSON.parse(new TextDecoder().decode(body)) as Op, open);
    } catch {
      break;
    }
    at += 8 + len;
  }
  for (const s of open.values()) s.close();
  return t;
};

export const faultLayerFs = (storage: Storage): LayerFs => ({
  exists: (path) => storage.size(path) !== undefined,
  mkdir: (path) => storage.open(path, { create: true }).close(),
  removeTree: (path) => storage.remove(path),
  rename: (from, to) => storage.rename(from, to),
  fsyncDir: (dir) => storage.fsyncDir(dir),
  openTree(path): OpenTree {
    const mirror = replay(storage.read(path));
    const file: StorageFile = storage.open(path);
    const sinks = new Map<string, { write(c: Uint8Array): void; close(): void }>();
    const log = (op: Op): void => {
      apply(mirror, op, sinks);
      file.append(encode(op));
    };
    return {
      lstat: (p) => mirror.lstat(p),
      list: (p) => mirror.list(p),
      mkdirAll: (p) => log(["mkdirAll", p]),
      mkdir: (p, mode) => log(["mkdir", p, mode]),
      createFile(p, mode) {
        log(["create", p, mode]);
        return { write: (c) => log(["write", p, Buffer.from(c).toString("base64")]), close: () => sinks.get(p)!.close() };
      },
      symlink: (target, p) => log(["symlink", p, target]),
      link: (existing, p) => log(["link", p, existing]),
      mknod: (p, kind, mode, major, minor) => log(["mknod", p, kind, mode, major, minor]),
      removeAll: (p) => log(["removeAll", p]),
      lchown: (p, uid, gid) => log(["lchown", p, uid, gid]),
      chmod: (p, mode) => log(["chmod", p, mode]),
      utimes: (p, t) => log(["utimes", p, t]),
      setxattr: (p, name, value) => log(["setxattr", p, name, Buffer.from(value).toString("base64")]),
      sync: () => file.fsync(),
      close: () => file.close(),
    };
  },
});
