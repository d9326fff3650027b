// Writing one blob: into ingest/, hashed as it arrives, synced every CHECKPOINT_BYTES with its offset recorded
// beside it (so a download cut short resumes from there, re-hashing what it keeps), and committed only when size and
// digest match: data fsync, rename into blobs/; the directories are synced once per batch, before the index names
// the blobs. A blob name in blobs/ therefore always holds complete, synced data, and the index that makes it
// reachable is made durable only after its name is (containerd #8895, #10457).
import { join } from "node:path";
import { ByteReader, ByteWriter } from "../../runtime/durable/bytes.ts";
import { decodeHeader, encodeHeader, encodeRecord, HEADER_SIZE, readRecord } from "../../runtime/durable/frame.ts";
import type { IngestCheckpoint } from "../../runtime/durable/image-records.ts";
import { recordType } from "../../runtime/durable/record-types.ts";
import { SECTOR, type Storage, type StorageFile } from "../../runtime/durable/storage.ts";
import { Hasher, parseDigest } from "../digest.ts";
import { blobDir, blobPath, checkpointPath, partialPath, SPOOL_PREFIX, type StoreLayout } from "./layout.ts";

/** Synced and checkpointed this often: what a power cut can cost a resumed download. */
export const CHECKPOINT_BYTES = 8 * 1024 * 1024;
const REHASH_BYTES = 1024 * 1024;
const checkpointType = recordType("ingestCheckpoint");

/** The digest did not match: the partial blob is gone, and the message names both digests. */
export class DigestMismatch extends Error {
  override readonly name = "DigestMismatch";
  constructor(
    readonly expected: string,
    readonly actual: string,
    what: string,
  ) {
    super(`${what}: digest mismatch: expected ${expected}, got ${actual}; the partial blob was removed`);
  }
}

/** Two sector-sized slots, written alternately, so a torn write keeps the previous checkpoint. */
const encodeSlot = (generation: number, c: IngestCheckpoint): Uint8Array => {
  const w = new ByteWriter(SECTOR);
  w.bytes(encodeHeader({ kind: "ingest", seq: generation }));
  const p = new ByteWriter(160);
  checkpointType.codec.encode(p, c);
  encodeRecord(w, checkpointType.code, p.written());
  const out = new Uint8Array(SECTOR);
  out.set(w.written());
  return out;
};

const decodeSlot = (buf: Uint8Array): { generation: number; checkpoint: IngestCheckpoint } | undefined => {
  try {
    const h = decodeHeader(buf);
    const rec = readRecord(buf, HEADER_SIZE, buf.length, SECTOR);
    if (h.kind !== "ingest" || !rec.ok || rec.type !== checkpointType.code) return undefined;
    return { generation: h.seq, checkpoint: checkpointType.codec.decode(new ByteReader(rec.payload)) as IngestCheckpoint };
  } catch {
    return undefined;
  }
};

/** The synced offset recorded for `digest`'s partial, or 0. */
export const readCheckpoint = (storage: Storage, partial: string, digest: string): { offset: number; generation: number } => {
  const bytes = storage.read(checkpointPath(partial));
  let best = { offset: 0, generation: 0 };
  for (let at = 0; bytes && at + SECTOR <= bytes.length && at < 2 * SECTOR; at += SECTOR) {
    const slot = decodeSlot(bytes.subarray(at, at + SECTOR));
    if (slot && slot.checkpoint.digest === digest && slot.generation >= best.generation) best = { offset: slot.checkpoint.offset, generation: slot.generation };
  }
  return best;
};

export interface BlobTarget {
  /** Known for pulls and layouts; a streamed archive member learns it at its end. */
  digest?: string;
  /** The size the descriptor (or tar header) gives: more bytes are refused, fewer cannot commit. */
  size: number;
  /** For messages: "layer 2 of docker.io/library/busybox:latest". */
  what: string;
}

export interface BlobWriter {
  /** Bytes already held: a resumed blob starts here; the caller sends only what follows. */
  readonly offset: number;
  readonly resumed: boolean;
  write(chunk: Uint8Array): void;
  /** Checks size and digest, then makes the blob durable and visible. Returns its digest. */
  commit(): string;
  /** Stops writing: a known digest's partial stays for a resume; a spool goes. */
  close(): void;
}

let spoolCount = 0;

/** `onRenamed(dir)`: a committed blob's name is in `dir` (and its old one in ingest/), not yet synced. */
export const openBlobWriter = (storage: Storage, layout: StoreLayout, target: BlobTarget, onRenamed: (dir: string) => void, checkpointBytes = CHECKPOINT_BYTES): BlobWriter => {
  const spool = target.digest === undefined;
  const path = spool ? join(layout.ingest, `${SPOOL_PREFIX}${process.pid}-${++spoolCount}`) : partialPath(layout, target.digest!);
  const hasher = new Hasher(spool ? "sha256" : parseDigest(target.digest).algorithm);
  let offset = 0;
  let resumed = false;
  let generation = 0;
  let file: StorageFile;
  let marker: StorageFile | undefined;
  if (!spool && storage.size(path) !== undefined) {
    const cp = readCheckpoint(storage, path, target.digest!);
    generation = cp.generation;
    file = storage.open(path);
    // Only what a checkpoint says was synced is trusted; a size beyond the target means another blob's leftovers.
    const keep = cp.offset <= Math.min(file.size(), target.size) ? cp.offset : 0;
    if (file.size() !== keep) file.truncate(keep);
    for (let at = 0; at < keep; at += REHASH_BYTES) hasher.update(storage.readAt(path, at, Math.min(REHASH_BYTES, keep - at)));
    offset = keep;
    resumed = keep > 0;
  } else file = storage.open(path, { create: true });
  // A resumed partial keeps its checkpoint file; a new one gets it at its first checkpoint (small blobs never do).
  if (!spool && storage.size(checkpointPath(path)) !== undefined) marker = storage.open(checkpointPath(path));
  let live: StorageFile | undefined = file;
  let sinceCheckpoint = 0;
  const open = (): StorageFile => {
    if (!live) throw new Error(`${target.what}: the blob writer is closed`);
    return live;
  };
  const discard = (): void => {
    live?.close();
    live = undefined;
    marker?.close();
    marker = undefined;
    storage.remove(path);
    if (!spool) storage.remove(checkpointPath(path));
  };
  const checkpoint = (): void => {
    open().fsync();
    generation++;
    const first = marker === undefined;
    marker ??= storage.open(checkpointPath(path), { create: true });
    marker.writeAt((generation % 2) * SECTOR, encodeSlot(generation, { digest: target.digest!, offset }));
    if (first) marker.writeAt(((generation + 1) % 2) * SECTOR, new Uint8Array(SECTOR));
    marker.fsync();
    // The partial's and the checkpoint's names, so that a resume after a power cut finds them.
    if (first) storage.fsyncDir(layout.ingest);
    sinceCheckpoint = 0;
  };
  return {
    offset,
    resumed,
    write(chunk) {
      const f = open();
      if (offset + chunk.length > target.size) {
        discard();
        throw new Error(`${target.what}: more than the ${target.size} bytes its descriptor gives; the partial blob was removed`);
      }
      f.writeAt(offset, chunk);
      // Written back as it arrives, so the checkpoints' and the commit's fsync wait for little.
      f.startWriteback?.(offset, chunk.length);
      hasher.update(chunk);
      offset += chunk.length;
      sinceCheckpoint += chunk.length;
      if (!spool && sinceCheckpoint >= checkpointBytes) checkpoint();
    },
    commit() {
      const f = open();
      if (offset !== target.size) throw new Error(`${target.what}: ended after ${offset} of ${target.size} bytes${spool ? "" : "; the partial blob is kept to resume from"}`);
      const actual = hasher.digest();
      if (!spool && actual !== target.digest) {
        discard();
        throw new DigestMismatch(target.digest!, actual, target.what);
      }
      f.fsync();
      f.close();
      live = undefined;
      marker?.close();
      marker = undefined;
      const dest = blobPath(layout, actual);
      if (storage.size(dest) !== undefined) storage.remove(path);
      else {
        storage.rename(path, dest);
        // The directories are synced once for all blobs, before the index may name any (ImageStore.syncNames).
        onRenamed(blobDir(layout, actual));
      }
      if (!spool) storage.remove(checkpointPath(path));
      return actual;
    },
    close() {
      if (spool) discard();
      else {
        live?.close();
        marker?.close();
        live = undefined;
        marker = undefined;
      }
    },
  };
};

/** The ingest directory of every partial, for recovery: spools and orphan checkpoints are leftovers. */
export const ingestLeftovers = (storage: Storage, layout: StoreLayout): string[] => {
  const names = storage.list(layout.ingest);
  const present = new Set(names);
  return names.filter((n) => n.startsWith(SPOOL_PREFIX) || (n.endsWith(".at") && !present.has(n.slice(0, -3)))).map((n) => join(layout.ingest, n));
};
