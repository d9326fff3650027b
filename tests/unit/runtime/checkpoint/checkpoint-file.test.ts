import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, renameSync, rmSync, symlinkSync, utimesSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ByteWriter } from "../../../../runtime/durable/bytes.ts";
import { readCheckpoint, writeCheckpoint } from "../../../../runtime/checkpoint/checkpoint-file.ts";
import { CRIU_IMAGES_TREE, type ProcessImage } from "../../../../runtime/durable/checkpoint-records.ts";
import { hashChunk, packChunk } from "../../../../runtime/checkpoint/chunks.ts";
import { encodeHeader, encodeRecord } from "../../../../runtime/durable/frame.ts";
import type { ContainerState } from "../../../../runtime/durable/lifecycle.ts";
import { recordType } from "../../../../runtime/durable/record-types.ts";
import { restoreTree } from "../../../../runtime/checkpoint/restore-tree.ts";

const state: ContainerState = { id: "web", bundle: "/srv/web", status: "running", pid: 42, oomKilled: false, restarts: 0, shouldRun: true };
const config = JSON.stringify({ ociVersion: "1.2.0", process: { args: ["/bin/sh"] }, root: { path: "rootfs" } });

/** The messages of the error `f` throws, down its `cause` chain. */
const messages = (f: () => unknown): string => {
  try {
    f();
  } catch (err) {
    const out: string[] = [];
    for (let e: unknown = err; e instanceof Error; e = e.cause) out.push(e.message);
    return out.join(": ");
  }
  throw new Error("expected an error");
};

let work: string;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), "bunker-ckpt-"));
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

/** A small writable tree: text, a 200 KiB file of four chunks, an empty file, a symlink, a read-only directory. */
const makeTree = (root: string): void => {
  mkdirSync(join(root, "etc"), { recursive: true });
  mkdirSync(join(root, "var/log"), { recursive: true });
  writeFileSync(join(root, "etc/hostname"), "board-7\n");
  let seed = 42;
  const noise = Array.from({ length: 200 * 1024 }, () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) >> 23);
  writeFileSync(join(root, "var/log/app.log"), Buffer.from(noise));
  writeFileSync(join(root, "empty"), "");
  symlinkSync("etc/hostname", join(root, "name"));
  chmodSync(join(root, "etc/hostname"), 0o640);
  utimesSync(join(root, "etc/hostname"), 1_700_000_000, 1_700_000_000);
  chmodSync(join(root, "etc"), 0o555);
};

/** Every path under `root` with what a restore must reproduce. */
const describeTree = (root: string): Record<string, unknown> => {
  const out: Record<string, unknown> = {};
  const walk = (rel: string): void => {
    const abs = rel ? join(root, rel) : root;
    const st = lstatSync(abs);
    out[rel] = {
      mode: st.mode,
      uid: st.uid,
      mtime: st.isDirectory() ? undefined : Math.trunc(st.mtimeMs),
      content: st.isFile() ? readFileSync(abs).toString("base64") : st.isSymbolicLink() ? readlinkSync(abs) : undefined,
    };
    if (st.isDirectory()) for (const n of readdirSync(abs)) walk(rel ? `${rel}/${n}` : n);
  };
  walk("");
  return out;
};

describe("checkpoint files", () => {
  test("restore a tree exactly: contents, modes, owners, times and symlinks", () => {
    const tree = join(work, "rootfs");
    makeTree(tree);
    const file = join(work, "store", "a.bnkc");
    const written = writeCheckpoint({ file, id: "web", trees: [{ name: "rootfs", dir: tree }], config, state, now: 1 });
    expect(written.entries).toBe(8);
    expect(written.treeBytes).toBe(200 * 1024 + 8);
    const back = readCheckpoint(file);
    expect(back.head).toEqual({ id: "web", createdAt: 1, chunkBytes: 64 * 1024 });
    expect(back.config).toBe(config);
    expect(back.state).toEqual(state);
    restoreTree(file, "rootfs", join(work, "restored"));
    expect(describeTree(join(work, "restored"))).toEqual(describeTree(tree));
  });

  test("store unchanged chunks once across checkpoints in one store and restore from both files", () => {
    const tree = join(work, "rootfs");
    makeTree(tree);
    const store = join(work, "store");
    const first = writeCheckpoint({ file: join(store, "1.bnkc"), id: "web", trees: [{ name: "rootfs", dir: tree }], config, state });
    writeFileSync(join(tree, "etc/hostname"), "board-8\n");
    const second = writeCheckpoint({ file: join(store, "2.bnkc"), id: "web", trees: [{ name: "rootfs", dir: tree }], config, state });
    expect(first.chunks.written).toBe(first.chunks.named);
    expect(second.chunks.written).toBe(1);
    expect(second.fileBytes).toBeLessThan(first.fileBytes / 4);
    restoreTree(join(store, "2.bnkc"), "rootfs", join(work, "restored"));
    expect(readFileSync(join(work, "restored/etc/hostname"), "utf8")).toBe("board-8\n");
    expect(describeTree(join(work, "restored"))).toEqual(describeTree(tree));
  });

  test("a standalone checkpoint restores away from its store; a dependent one says what is missing", () => {
    const tree = join(work, "rootfs");
    makeTree(tree);
    const store = join(work, "store");
    writeCheckpoint({ file: join(store, "1.bnkc"), id: "web", trees: [{ name: "rootfs", dir: tree }], config, state });
    writeCheckpoint({ file: join(store, "2.bnkc"), id: "web", trees: [{ name: "rootfs", dir: tree }], config, state });
    writeCheckpoint({ file: join(store, "3.bnkc"), id: "web", trees: [{ name: "rootfs", dir: tree }], config, state, standalone: true });
    for (const n of ["2", "3"]) {
      mkdirSync(join(work, `board${n}`));
      renameSync(join(store, `${n}.bnkc`), join(work, `board${n}/${n}.bnkc`));
    }
    restoreTree(join(work, "board3/3.bnkc"), "rootfs", join(work, "r3"));
    expect(describeTree(join(work, "r3"))).toEqual(describeTree(tree));
    expect(messages(() => restoreTree(join(work, "board2/2.bnkc"), "rootfs", join(work, "r2")))).toMatch(/chunk [0-9a-f]{64} is neither in the file nor in its store/);
  });

  test("hold several trees and restore each by name, replacing what is there when asked", () => {
    const tree = join(work, "rootfs");
    makeTree(tree);
    mkdirSync(join(work, "data"));
    writeFileSync(join(work, "data/db"), "rows");
    const file = join(work, "two.bnkc");
    writeCheckpoint({ file, id: "web", trees: [{ name: "rootfs", dir: tree }, { name: "/data", dir: join(work, "data") }], config, state });
    expect(readCheckpoint(file).trees.map((t) => [t.name, t.entries.length])).toEqual([["rootfs", 8], ["/data", 2]]);
    writeFileSync(join(work, "data/db"), "changed");
    restoreTree(file, "/data", join(work, "data"), { replace: true });
    expect(readFileSync(join(work, "data/db"), "utf8")).toBe("rows");
    expect(readdirSync(work).sort()).toEqual(["data", "rootfs", "two.bnkc"]);
    expect(() => restoreTree(file, "/data", join(work, "data"))).toThrow("already exists");
    expect(() => restoreTree(file, "/logs", join(work, "logs"))).toThrow("it holds no tree '/logs' (it holds 'rootfs', '/data')");
  });

  test("hold a process checkpoint: the process record and CRIU's images as the tree 'criu', packed one chunk at a time", () => {
    const tree = join(work, "rootfs");
    makeTree(tree);
    const images = join(work, "images");
    mkdirSync(images);
    // A pages image several chunks long, and small images around it, as CRIU writes them.
    writeFileSync(join(images, "pages-1.img"), Buffer.alloc(5 * 65536 + 100, 7));
    writeFileSync(join(images, "core-1.img"), "core");
    const process: ProcessImage = {
      criu: "3.17.1", arch: "aarch64", kernel: "6.1.0-57-arm64", pid: 181, cgroup: "/bunker-board/counter",
      mounts: ["/proc/meminfo"], stdio: [{ fd: 0, kind: "inside" }, { fd: 1, kind: "file", key: "file[19:4]" }],
    };
    const file = join(work, "p.bnkc");
    writeCheckpoint({ file, id: "web", trees: [{ name: "rootfs", dir: tree }, { name: CRIU_IMAGES_TREE, dir: images, level: 3 }], config, state, process });
    const read = readCheckpoint(file);
    expect(read.process).toEqual(process);
    expect(read.trees.map((t) => t.name)).toEqual(["rootfs", "criu"]);
    restoreTree(file, CRIU_IMAGES_TREE, join(work, "out"), { contents: read, durable: false });
    expect(readFileSync(join(work, "out/pages-1.img")).equals(Buffer.alloc(5 * 65536 + 100, 7))).toBe(true);
    // A file-state checkpoint has no process record.
    writeCheckpoint({ file: join(work, "f.bnkc"), id: "web", trees: [{ name: "rootfs", dir: tree }], config, state });
    expect(readCheckpoint(join(work, "f.bnkc")).process).toBeUndefined();
  });

  test("refuse a truncated file, a flipped bit and a wrong file with errors naming the file", () => {
    const tree = join(work, "rootfs");
    makeTree(tree);
    const file = join(work, "a.bnkc");
    writeCheckpoint({ file, id: "web", trees: [{ name: "rootfs", dir: tree }], config, state });
    const bytes = readFileSync(file);
    writeFileSync(join(work, "cut.bnkc"), bytes.subarray(0, bytes.length - 30));
    expect(() => readCheckpoint(join(work, "cut.bnkc"))).toThrow(`Read checkpoint '${join(work, "cut.bnkc")}'`);
    for (const at of [30, 200, bytes.length >> 1, bytes.length - 3]) {
      const flipped = Buffer.from(bytes);
      flipped[at]! ^= 0x04;
      writeFileSync(join(work, "flip.bnkc"), flipped);
      expect(() => readCheckpoint(join(work, "flip.bnkc"))).toThrow("Read checkpoint");
    }
    writeFileSync(join(work, "text.bnkc"), "#!/bin/sh\necho not a checkpoint\n");
    expect(() => readCheckpoint(join(work, "text.bnkc"))).toThrow("magic number");
  });
});

/** A checkpoint file with hand-made entries, as a hostile writer could make it. */
const hostile = (file: string, entries: object[], chunks: object[] = []): void => {
  const w = new ByteWriter();
  w.bytes(encodeHeader({ kind: "checkpoint", seq: 0 }));
  const put = (name: string, value: unknown): void => {
    const t = recordType(name);
    const p = new ByteWriter();
    t.codec.encode(p, value);
    encodeRecord(w, t.code, p.written());
  };
  put("checkpointHead", { id: "x", createdAt: 0, chunkBytes: 65536 });
  put("config", { json: "{}" });
  put("container", state);
  put("tree", { name: "rootfs" });
  for (const e of entries) put("entry", e);
  for (const c of chunks) put("chunk", c);
  put("checkpointEnd", { trees: 1, entries: entries.length, chunks: chunks.length });
  writeFileSync(file, w.take());
};

describe("restoring hostile checkpoints", () => {
  const dir = { path: "", type: "dir", mode: 0o755, uid: 0, gid: 0, mtimeMs: 0, size: 0, chunks: [] };
  const fileEntry = (path: string, data: Uint8Array) => ({ path, type: "file", mode: 0o644, uid: 0, gid: 0, mtimeMs: 0, size: data.length, chunks: [hashChunk(data)] });

  test("refuses paths that climb out of the tree", () => {
    const data = new TextEncoder().encode("owned");
    for (const path of ["../escape", "a/../../escape", "/etc/escape"]) {
      hostile(join(work, "h.bnkc"), [dir, fileEntry(path, data)], [packChunk(data)]);
      expect(messages(() => restoreTree(join(work, "h.bnkc"), "rootfs", join(work, "out")))).toContain(`Restore entry '${path}': the path must be relative and stay inside the tree`);
    }
    expect(readdirSync(work).sort()).toEqual(["h.bnkc"]);
  });

  test("refuses to write through a symlink the tree itself planted", () => {
    const data = new TextEncoder().encode("owned");
    const link = { path: "l", type: "symlink", mode: 0o777, uid: 0, gid: 0, mtimeMs: 0, size: 0, target: work, chunks: [] };
    hostile(join(work, "h.bnkc"), [dir, link, fileEntry("l/escape", data)], [packChunk(data)]);
    expect(messages(() => restoreTree(join(work, "h.bnkc"), "rootfs", join(work, "out")))).toContain("its directory is not an earlier directory entry");
    expect(readdirSync(work)).not.toContain("escape");
  });

  test("refuses a chunk whose content does not match its hash", () => {
    const data = new TextEncoder().encode("real");
    const forged = { ...packChunk(new TextEncoder().encode("fake")), hash: hashChunk(data) };
    hostile(join(work, "h.bnkc"), [dir, fileEntry("f", data)], [forged]);
    expect(messages(() => restoreTree(join(work, "h.bnkc"), "rootfs", join(work, "out")))).toContain("does not match its hash");
    expect(readdirSync(work)).toEqual(["h.bnkc"]);
  });

  test("refuses a compressed chunk that expands beyond its claimed size", () => {
    const bomb = Bun.zstdCompressSync(new Uint8Array(64 * 1024 * 64));
    const small = new Uint8Array(10);
    hostile(join(work, "h.bnkc"), [dir, fileEntry("f", small)], [{ hash: hashChunk(small), compression: "zstd", size: 10, data: bomb }]);
    expect(messages(() => restoreTree(join(work, "h.bnkc"), "rootfs", join(work, "out")))).toContain("does not decompress");
  });
});
