// Container checkpoint files: one file per checkpoint, holding the container's config, state and trees. The files
// in one directory form a chunk store: a new checkpoint writes only the chunks none of its neighbours hold, and
// reading or restoring it looks there for the rest. `standalone` writes every chunk, for carrying a file elsewhere.
import { Type, type Static } from "@sinclair/typebox";
import { closeSync, openSync, readSync } from "node:fs";
import { dirname, join } from "node:path";
import { ByteReader, ByteWriter, FormatError } from "../durable/bytes.ts";
import { CHECKPOINT_MAX_RECORD, CHUNK_BYTES, type CheckpointHead, type Chunk, type ProcessImage, type TreeEntry } from "../durable/checkpoint-records.ts";
import { hashChunk, hashHex, packChunk } from "./chunks.ts";
import { decodeHeader, encodeHeader, encodeRecord, HEADER_SIZE, loadRecord, walkRecords, type ReadAt, type RecordRef } from "../durable/frame.ts";
import type { ContainerState } from "../durable/lifecycle.ts";
import { recordType, recordTypes } from "../durable/record-types.ts";
import { fsStorage, type Storage } from "../durable/storage.ts";
import { walkTree } from "./tree.ts";

export const CHECKPOINT_SUFFIX = ".bnkc";

/** zstd level of file trees: written rarely, read at restore, so worth the ratio. */
const DEFAULT_LEVEL = 9;

export interface WriteCheckpointOptions {
  /** Where to write; the other checkpoint files in its directory are the chunk store. */
  file: string;
  id: string;
  /** The directories whose contents the checkpoint holds: the rootfs, or the mounts marked as state (and CRIU's
   * images); `level`: zstd's level for its chunks (default 9). */
  trees: { name: string; dir: string; level?: number }[];
  /** The bundle's config.json text. */
  config: string;
  state: ContainerState;
  /** A process checkpoint: what CRIU's images need (the images themselves are the tree named "criu"). */
  process?: ProcessImage;
  /** Write every chunk, so the file restores without its neighbours. */
  standalone?: boolean;
  storage?: Storage;
  now?: number;
}

const Count = Type.Integer({ minimum: 0 });

/** What `bunker checkpoint ID --json` prints. */
export const CheckpointWritten = Type.Object({
  file: Type.String(),
  /** Entries over all trees. */
  entries: Count,
  /** Chunks the manifest names, chunks written into this file, chunks found in the store. */
  chunks: Type.Object({ named: Count, written: Count, reused: Count }),
  treeBytes: Count,
  fileBytes: Count,
  /** Entries left out (sockets, fifos, devices), with why. */
  skipped: Type.Array(Type.String()),
  /** A process checkpoint: how long CRIU's dump took and how many bytes of images it wrote (before packing). */
  processes: Type.Optional(Type.Object({ dumpMs: Count, imageBytes: Count })),
});
export type CheckpointWritten = Static<typeof CheckpointWritten>;

/** A chunk's place: which file, which record. */
export interface ChunkLocation {
  file: string;
  ref: RecordRef;
}

export interface CheckpointContents {
  head: CheckpointHead;
  config: string;
  state: ContainerState;
  process?: ProcessImage;
  trees: { name: string; entries: TreeEntry[] }[];
  /** Chunks this file holds, by hex hash. */
  chunks: Map<string, ChunkLocation>;
  /** Records of types this version does not know. */
  skipped: number;
}

const types = {
  head: recordType("checkpointHead"),
  config: recordType("config"),
  state: recordType("container"),
  process: recordType("process"),
  tree: recordType("tree"),
  entry: recordType("entry"),
  chunk: recordType("chunk"),
  end: recordType("checkpointEnd"),
};

const reader = (storage: Storage, file: string): ReadAt => (offset, length) => storage.readAt(file, offset, length);

/** The hash at the front of a chunk record's payload: enough to index a store without reading chunk data. */
const chunkHash = (read: ReadAt, ref: RecordRef): string | undefined => {
  const head = read(ref.payloadAt, 33);
  return head.length === 33 && head[0] === 32 ? hashHex(head.subarray(1)) : undefined;
};

/** Chunks held by the checkpoint files in `dir`, other than `except`; unreadable files are passed over. */
export const storeIndex = (dir: string, storage: Storage, except: string): Map<string, ChunkLocation> => {
  const index = new Map<string, ChunkLocation>();
  for (const name of storage.list(dir).sort()) {
    const file = join(dir, name);
    if (!name.endsWith(CHECKPOINT_SUFFIX) || file === except) continue;
    const read = reader(storage, file);
    try {
      if (decodeHeader(read(0, HEADER_SIZE)).kind !== "checkpoint") continue;
    } catch {
      continue;
    }
    walkRecords(read, HEADER_SIZE, storage.size(file) ?? 0, CHECKPOINT_MAX_RECORD, (ref) => {
      const hash = ref.type === types.chunk.code ? chunkHash(read, ref) : undefined;
      if (hash && !index.has(hash)) index.set(hash, { file, ref });
    });
  }
  return index;
};

/** Reads a regular file chunk by chunk, so memory stays at one chunk whatever the file's size. */
function* fileChunks(path: string): Generator<Uint8Array> {
  const fd = openSync(path, "r");
  try {
    for (;;) {
      const buf = new Uint8Array(CHUNK_BYTES);
      let n = 0;
      for (let got = -1; got !== 0 && n < CHUNK_BYTES; n += got) got = readSync(fd, buf, n, CHUNK_BYTES - n, null);
      if (n > 0) yield buf.subarray(0, n);
      if (n < CHUNK_BYTES) return;
    }
  } finally {
    closeSync(fd);
  }
}

/** A file's chunk hashes and size: the first of two passes, so that no more than one chunk is ever held. */
const hashFile = (path: string | undefined): { hashes: Uint8Array[]; size: number } => {
  const out = { hashes: [] as Uint8Array[], size: 0 };
  if (path === undefined) return out;
  for (const data of fileChunks(path)) {
    out.hashes.push(hashChunk(data));
    out.size += data.length;
  }
  return out;
};

/**
 * The second pass: each chunk that `fresh` says to write, packed, in file order. The file must not have changed since
 * the first pass (its container is frozen): a chunk that no longer matches its hash is an error, not a wrong checkpoint.
 */
function* freshChunks(path: string, hashes: readonly Uint8Array[], fresh: (i: number) => boolean, level: number): Generator<Chunk> {
  let i = 0;
  for (const data of fileChunks(path)) {
    if (i < hashes.length && fresh(i)) {
      const hash = hashChunk(data);
      if (hashHex(hash) !== hashHex(hashes[i]!)) throw new Error(`Checkpoint '${path}': the file changed while it was being written`);
      yield packChunk(data, hash, level);
    }
    i++;
  }
  if (i !== hashes.length) throw new Error(`Checkpoint '${path}': the file changed while it was being written`);
}

export const writeCheckpoint = (opts: WriteCheckpointOptions): CheckpointWritten => {
  const storage = opts.storage ?? fsStorage();
  const dir = dirname(opts.file);
  storage.ensureDir(dir);
  const store = opts.standalone ? new Map<string, ChunkLocation>() : storeIndex(dir, storage, opts.file);
  const tmp = `${opts.file}.tmp`;
  storage.remove(tmp);
  const out = storage.open(tmp, { create: true });
  const w = new ByteWriter(CHUNK_BYTES * 2);
  const put = (type: typeof types.head, value: unknown): void => {
    const p = new ByteWriter(64);
    type.codec.encode(p, value);
    encodeRecord(w, type.code, p.written());
    if (w.length >= CHUNK_BYTES) flush();
  };
  const flush = (): void => {
    out.append(w.written());
    w.length = 0;
  };
  const written = new Set<string>();
  const result: CheckpointWritten = { file: opts.file, entries: 0, chunks: { named: 0, written: 0, reused: 0 }, treeBytes: 0, fileBytes: 0, skipped: [] };
  w.bytes(encodeHeader({ kind: "checkpoint", seq: 0 }));
  put(types.head, { id: opts.id, createdAt: opts.now ?? Date.now(), chunkBytes: CHUNK_BYTES });
  put(types.config, { json: opts.config });
  put(types.state, opts.state);
  if (opts.process) put(types.process, opts.process);
  for (const tree of opts.trees) {
    put(types.tree, { name: tree.name });
    for (const item of walkTree(tree.dir, (path, why) => result.skipped.push(`${tree.name}: ${path}: ${why}`))) {
      const { hashes, size } = hashFile(item.entry.type === "file" ? item.abs : undefined);
      // The entry goes first, then the chunks only it introduced (each once).
      put(types.entry, { ...item.entry, size, chunks: hashes });
      const introduced = new Set<number>();
      hashes.forEach((h, i) => {
        const hex = hashHex(h);
        if (store.has(hex) || written.has(hex)) return;
        written.add(hex);
        introduced.add(i);
      });
      if (introduced.size) for (const c of freshChunks(item.abs, hashes, (i) => introduced.has(i), tree.level ?? DEFAULT_LEVEL)) put(types.chunk, c);
      result.entries++;
      result.treeBytes += size;
      result.chunks.named += hashes.length;
      result.chunks.written += introduced.size;
      result.chunks.reused += hashes.length - introduced.size;
    }
  }
  put(types.end, { trees: opts.trees.length, entries: result.entries, chunks: result.chunks.written });
  flush();
  out.fsync();
  result.fileBytes = out.size();
  out.close();
  storage.rename(tmp, opts.file);
  storage.fsyncDir(dir);
  return result;
};

/** Reads and checks a whole checkpoint file, streaming: chunk data is checksummed but not kept. */
export const readCheckpoint = (file: string, storage: Storage = fsStorage()): CheckpointContents => {
  const fail = (detail: string, cause?: unknown): never => {
    throw new FormatError(`Read checkpoint '${file}': ${detail}`, { cause });
  };
  const size = storage.size(file) ?? fail("no such file");
  const read = reader(storage, file);
  try {
    if (decodeHeader(read(0, HEADER_SIZE)).kind !== "checkpoint") fail("not a checkpoint file");
  } catch (err) {
    if (err instanceof FormatError && err.message.startsWith("Read checkpoint")) throw err;
    fail((err as Error).message, err);
  }
  const found: Partial<CheckpointContents> & Pick<CheckpointContents, "trees" | "chunks" | "skipped"> = { trees: [], chunks: new Map(), skipped: 0 };
  let end: { trees: number; entries: number; chunks: number } | undefined;
  const stop = walkRecords(read, HEADER_SIZE, size, CHECKPOINT_MAX_RECORD, (ref) => {
    if (end) fail(`record at offset ${ref.offset} follows the end record`);
    const rec = loadRecord(read, ref);
    if (!rec.ok) return fail(`record at offset ${ref.offset}: ${rec.reason}`);
    const type = recordTypes.get(rec.type);
    if (!type) {
      found.skipped++;
      return;
    }
    let value: unknown;
    try {
      value = type.codec.decode(new ByteReader(rec.payload));
    } catch (err) {
      fail(`'${type.name}' record at offset ${ref.offset}: ${(err as Error).message}`, err);
    }
    if (type === types.head) found.head = value as CheckpointHead;
    else if (type === types.config) found.config = (value as { json: string }).json;
    else if (type === types.state) found.state = value as ContainerState;
    else if (type === types.process) found.process = value as ProcessImage;
    else if (type === types.tree) found.trees.push({ name: (value as { name: string }).name, entries: [] });
    else if (type === types.entry) (found.trees.at(-1) ?? fail(`entry at offset ${ref.offset} precedes every tree record`)).entries.push(value as TreeEntry);
    else if (type === types.chunk) found.chunks.set(hashHex((value as Chunk).hash), { file, ref });
    else if (type === types.end) end = value as typeof end;
    else fail(`a checkpoint holds no '${type.name}' records`);
  });
  if (stop) fail(stop);
  if (!end) fail("the end record is missing: the file is incomplete");
  const entries = found.trees.reduce((n, t) => n + t.entries.length, 0);
  if (end!.trees !== found.trees.length || end!.entries !== entries || end!.chunks !== found.chunks.size)
    fail(
      `the end record counts ${end!.trees} trees, ${end!.entries} entries and ${end!.chunks} chunks; the file holds ${found.trees.length}, ${entries} and ${found.chunks.size}`,
    );
  if (!found.head || found.config === undefined || !found.state) fail("the head, config or state record is missing");
  return found as CheckpointContents;
};

/** Every chunk a checkpoint names, located in the file itself or its store; throws naming the first missing one. */
export const locateChunks = (file: string, contents: CheckpointContents, storage: Storage = fsStorage()): Map<string, ChunkLocation> => {
  const all = new Map(contents.chunks);
  const needed = contents.trees.flatMap((t) => t.entries.flatMap((e) => e.chunks.map(hashHex))).filter((h) => !all.has(h));
  if (needed.length === 0) return all;
  const store = storeIndex(dirname(file), storage, file);
  for (const h of needed) {
    const at = store.get(h);
    if (!at) throw new FormatError(`Read checkpoint '${file}': chunk ${h} is neither in the file nor in its store '${dirname(file)}' (copy the checkpoint files beside it, or write it standalone)`);
    all.set(h, at);
  }
  return all;
};
