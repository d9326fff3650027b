// The image store: content-addressed blobs plus a small durable index (names -> manifests, pins, unpacked layers,
// containers made from images). One directory (`--images`), one writer at a time (an flock on `.lock`, held from
// open to close by every command that changes it); readers need no lock, since the index is replaced whole.
import { rmSync, statfsSync } from "node:fs";
import { join, resolve } from "node:path";
import { lockFile, tryLockFile } from "../../ffi/lock.ts";
import type { ImageName, ImagePin, ImageUse, UnpackedLayer } from "../../runtime/durable/image-records.ts";
import { fsStorage, type Storage } from "../../runtime/durable/storage.ts";
import { formatBytes } from "../../runtime/units.ts";
import { ALGORITHMS, Hasher, parseDigest } from "../digest.ts";
import { escapeText } from "../text.ts";
import { decodeIndex, emptyIndex, encodeIndex, type IndexContent } from "./index-file.ts";
import { ingestLeftovers, openBlobWriter, readCheckpoint, type BlobTarget, type BlobWriter } from "./ingest.ts";
import { blobPath, checkpointPath, LAYER_TMP_SUFFIX, partialPath, storeLayout, type StoreLayout } from "./layout.ts";

/** What the store needs from the machine: files (with power-loss semantics in tests), a lock, free space. */
export interface StoreDeps {
  storage: Storage;
  /** Takes the store's exclusive lock; calls `onWait` first when another process holds it. */
  lock(path: string, onWait: () => void): { release(): void };
  /** Bytes an unprivileged writer may still use on the file system holding `dir`. */
  freeBytes(dir: string): number;
  /** Removes a directory tree (unpacked layers, container bundles). */
  removeTree(path: string): void;
  now(): number;
}

export const hostStoreDeps = (): StoreDeps => ({
  storage: fsStorage(),
  lock(path, onWait) {
    const held = tryLockFile(path);
    if (held) return held;
    onWait();
    return lockFile(path);
  },
  freeBytes(dir) {
    const s = statfsSync(dir);
    return s.bavail * s.bsize;
  },
  removeTree: (path) => rmSync(path, { recursive: true, force: true }),
  now: () => Date.now(),
});

/** Room kept free beyond the blobs themselves: the index and the checkpoints of partial blobs. */
export const SPACE_RESERVE = 1024 * 1024;

export interface SpaceBudget {
  /** Bytes still to write: blobs not stored yet, less what their partial blobs already hold. */
  needed: number;
  free: number;
  /** needed + reserve - free, when positive. */
  missing: number;
  /** Blobs the plan names, and how many of them the store already holds whole. */
  blobs: number;
  stored: number;
}

export interface BlobRef {
  digest: string;
  size: number;
}

/** The store refused because the disk is too full: the message says how much is missing. */
export class NoSpaceError extends Error {
  override readonly name = "NoSpaceError";
  constructor(
    readonly budget: SpaceBudget,
    what: string,
  ) {
    super(
      `${what} needs ${formatBytes(budget.needed)} more on the image store's file system (${budget.blobs - budget.stored} of ${budget.blobs} blobs are new) and ${formatBytes(budget.free)} is free: ${formatBytes(budget.missing)} missing`,
    );
  }
}

export interface OpenOptions {
  deps?: StoreDeps;
  /** Only read: no lock, no recovery, nothing created. */
  readOnly?: boolean;
  onWait?: () => void;
  /** How often a partial blob is synced and its offset recorded (tests use small values). */
  checkpointBytes?: number;
}

const READ_CHUNK = 256 * 1024;

export class ImageStore {
  readonly layout: StoreLayout;
  readonly deps: StoreDeps;
  /** What opening repaired: leftovers of interrupted writes. */
  readonly recovered: string[] = [];
  private content: IndexContent = emptyIndex();
  private generation = 0;
  private held: { release(): void } | undefined;
  /** Directories holding renames not synced yet (committed blobs): synced before the next index write. */
  private readonly unsyncedDirs = new Set<string>();

  private constructor(
    dir: string,
    deps: StoreDeps,
    private readonly checkpointBytes: number | undefined,
  ) {
    this.layout = storeLayout(resolve(dir));
    this.deps = deps;
  }

  static open(dir: string, opts: OpenOptions = {}): ImageStore {
    const store = new ImageStore(dir, opts.deps ?? hostStoreDeps(), opts.checkpointBytes);
    if (opts.readOnly) {
      store.load();
      return store;
    }
    const { storage } = store.deps;
    const l = store.layout;
    for (const d of [l.dir, l.ingest, l.layers, l.containers, ...ALGORITHMS.map((a) => join(l.blobs, a))]) storage.ensureDir(d);
    store.held = store.deps.lock(l.lock, opts.onWait ?? (() => {}));
    try {
      store.recover();
      store.load();
    } catch (err) {
      store.close();
      throw err;
    }
    return store;
  }

  close(): void {
    if (this.held) this.syncNames();
    this.held?.release();
    this.held = undefined;
  }

  private get storage(): Storage {
    return this.deps.storage;
  }

  /** Removes what an interrupted write left: the index's temporary file, spools, orphan checkpoints, layer tmp dirs. */
  private recover(): void {
    const l = this.layout;
    if (this.storage.size(l.indexTmp) !== undefined) {
      this.storage.remove(l.indexTmp);
      this.recovered.push("removed an index write cut short");
    }
    for (const p of ingestLeftovers(this.storage, l)) {
      this.storage.remove(p);
      this.recovered.push(`removed '${p}'`);
    }
    for (const name of this.storage.list(l.layers))
      if (name.endsWith(LAYER_TMP_SUFFIX)) {
        this.deps.removeTree(join(l.layers, name));
        this.recovered.push(`removed the unfinished layer '${name}'`);
      }
  }

  private load(): void {
    const bytes = this.storage.read(this.layout.index);
    if (bytes === undefined) return;
    try {
      const { generation, content } = decodeIndex(bytes);
      this.generation = generation;
      this.content = content;
    } catch (err) {
      throw new Error(`Open image store '${this.layout.dir}': its index is unreadable`, { cause: err });
    }
  }

  private requireWritable(what: string): void {
    if (!this.held) throw new Error(`${what}: the image store was opened read-only`);
  }

  /** Makes the names of the blobs committed so far durable (their old names in ingest/ gone, the new ones there). */
  syncNames(): void {
    if (this.unsyncedDirs.size === 0) return;
    this.storage.fsyncDir(this.layout.ingest);
    for (const d of this.unsyncedDirs) this.storage.fsyncDir(d);
    this.unsyncedDirs.clear();
  }

  /** Writes the next generation of the index: tmp, fsync, rename, fsync of the store directory; blob names first. */
  private commitIndex(next: IndexContent): void {
    this.requireWritable("Update the image index");
    this.syncNames();
    const l = this.layout;
    const f = this.storage.open(l.indexTmp, { create: true });
    try {
      f.truncate(0);
      f.writeAt(0, encodeIndex(this.generation + 1, next));
      f.fsync();
    } finally {
      f.close();
    }
    this.storage.rename(l.indexTmp, l.index);
    this.storage.fsyncDir(l.dir);
    this.generation++;
    this.content = next;
  }

  private change(mutate: (c: IndexContent) => void): void {
    const next: IndexContent = { images: [...this.content.images], pins: [...this.content.pins], layers: [...this.content.layers], uses: [...this.content.uses] };
    mutate(next);
    this.commitIndex(next);
  }

  // ---- the index

  get index(): Readonly<IndexContent> {
    return this.content;
  }

  get indexGeneration(): number {
    return this.generation;
  }

  /** Records (or replaces) names in one index write, once every blob they reach is stored. */
  setNames(recs: readonly ImageName[]): void {
    const names = new Set(recs.map((r) => r.name));
    this.change((c) => {
      c.images = [...c.images.filter((i) => !names.has(i.name)), ...recs];
    });
  }

  removeName(name: string): void {
    this.change((c) => {
      c.images = c.images.filter((i) => i.name !== name);
    });
  }

  /** Adds `digest` to a pin set (the OTA work pins "running" and "last-known-good"): gc never collects it. */
  pin(set: string, digest: string): void {
    parseDigest(digest, "pinned digest");
    if (!this.hasBlob(digest)) throw new Error(`Pin ${digest} in '${escapeText(set)}': the store does not hold it`);
    if (this.content.pins.some((p) => p.set === set && p.digest === digest)) return;
    this.change((c) => void c.pins.push({ set, digest }));
  }

  /** Removes `digest` from the set, or empties the set when no digest is given. */
  unpin(set: string, digest?: string): void {
    this.change((c) => {
      c.pins = c.pins.filter((p) => p.set !== set || (digest !== undefined && p.digest !== digest));
    });
  }

  /** Replaces a whole pin set at once (one index write): "running" becomes exactly these digests. */
  setPins(set: string, digests: readonly string[]): void {
    for (const d of digests) if (!this.hasBlob(d)) throw new Error(`Pin ${d} in '${escapeText(set)}': the store does not hold it`);
    this.change((c) => {
      c.pins = [...c.pins.filter((p) => p.set !== set), ...[...new Set(digests)].map((digest) => ({ set, digest }))];
    });
  }

  pins(set?: string): ImagePin[] {
    return this.content.pins.filter((p) => set === undefined || p.set === set);
  }

  addLayer(rec: UnpackedLayer): void {
    this.change((c) => {
      c.layers = [...c.layers.filter((x) => x.diffId !== rec.diffId), rec];
    });
  }

  hasLayer(diffId: string): boolean {
    return this.content.layers.some((x) => x.diffId === diffId);
  }

  addUse(rec: ImageUse): void {
    if (this.content.uses.some((u) => u.container === rec.container)) throw new Error(`Container '${rec.container}' already has a root from the image store`);
    this.change((c) => void c.uses.push(rec));
  }

  removeUse(container: string): void {
    if (!this.content.uses.some((u) => u.container === container)) return;
    this.change((c) => {
      c.uses = c.uses.filter((u) => u.container !== container);
    });
  }

  use(container: string): ImageUse | undefined {
    return this.content.uses.find((u) => u.container === container);
  }

  /** Removes the index entries gc decided on, in one write. */
  forget(drop: { layers: ReadonlySet<string> }): void {
    this.change((c) => {
      c.layers = c.layers.filter((x) => !drop.layers.has(x.diffId));
    });
  }

  // ---- blobs

  hasBlob(digest: string): boolean {
    return this.storage.size(blobPath(this.layout, digest)) !== undefined;
  }

  blobSize(digest: string): number | undefined {
    return this.storage.size(blobPath(this.layout, digest));
  }

  /** A small blob (a document), checked against its digest as it is read. */
  readBlob(digest: string, maxBytes: number, what: string): Uint8Array {
    const size = this.blobSize(digest);
    if (size === undefined) throw new Error(`The ${what} ${digest} is not in the image store`);
    if (size > maxBytes) throw new Error(`The ${what} ${digest} is ${size} bytes, more than the ${maxBytes} allowed`);
    const bytes = this.storage.readAt(blobPath(this.layout, digest), 0, size);
    const h = new Hasher(parseDigest(digest).algorithm);
    h.update(bytes);
    if (h.digest() !== digest) throw new Error(`The ${what} ${digest} is damaged in the image store (it hashes to ${h.digest()}): run 'bunker image verify'`);
    return bytes;
  }

  /** A blob's bytes in pieces, for streaming; the reader checks the digest. */
  async *blobChunks(digest: string): AsyncGenerator<Uint8Array> {
    const path = blobPath(this.layout, digest);
    const size = this.storage.size(path);
    if (size === undefined) throw new Error(`Blob ${digest} is not in the image store`);
    for (let at = 0; at < size; at += READ_CHUNK) yield this.storage.readAt(path, at, Math.min(READ_CHUNK, size - at));
  }

  /** A writer for one blob (resuming its partial blob when there is one). The caller checks hasBlob first. */
  writeBlob(target: BlobTarget): BlobWriter {
    this.requireWritable("Write a blob");
    return openBlobWriter(this.storage, this.layout, target, (dir) => this.unsyncedDirs.add(dir), this.checkpointBytes);
  }

  /** Bytes a partial blob of `digest` holds safely (what a resumed download keeps). */
  partialBytes(digest: string): number {
    const p = partialPath(this.layout, digest);
    return this.storage.size(p) === undefined ? 0 : readCheckpoint(this.storage, p, digest).offset;
  }

  /** Every digest in blobs/, with its size. */
  listBlobs(): BlobRef[] {
    const out: BlobRef[] = [];
    for (const alg of ALGORITHMS) {
      const dir = join(this.layout.blobs, alg);
      for (const hex of this.storage.list(dir)) {
        const digest = `${alg}:${hex}`;
        try {
          parseDigest(digest);
        } catch {
          continue;
        }
        out.push({ digest, size: this.storage.size(join(dir, hex)) ?? 0 });
      }
    }
    return out;
  }

  removeBlob(digest: string): void {
    this.requireWritable("Remove a blob");
    this.storage.remove(blobPath(this.layout, digest));
  }

  /** Partial blobs waiting for a resume: digest and bytes held. */
  listPartials(): BlobRef[] {
    return this.storage
      .list(this.layout.ingest)
      .filter((n) => /^sha(256|512)-[0-9a-f]+$/.test(n))
      .map((n) => ({ digest: n.replace("-", ":"), size: this.storage.size(join(this.layout.ingest, n)) ?? 0 }));
  }

  removePartial(digest: string): void {
    const p = partialPath(this.layout, digest);
    this.storage.remove(p);
    this.storage.remove(checkpointPath(p));
  }

  // ---- space

  /** What writing these blobs would cost after dedup, against the free space of the store's file system. */
  budget(blobs: readonly BlobRef[]): SpaceBudget {
    const unique = new Map(blobs.map((b) => [b.digest, b.size]));
    let needed = 0;
    let stored = 0;
    for (const [digest, size] of unique) {
      if (this.hasBlob(digest)) stored++;
      else needed += Math.max(0, size - this.partialBytes(digest));
    }
    const free = this.deps.freeBytes(this.layout.dir);
    return { needed, free, missing: Math.max(0, needed + (needed > 0 ? SPACE_RESERVE : 0) - free), blobs: unique.size, stored };
  }

  /** Refuses when `bytes` more do not fit (a blob whose digest, and so whose dedup, is not known yet). */
  requireFree(bytes: number, what: string): void {
    const free = this.deps.freeBytes(this.layout.dir);
    const missing = bytes > 0 ? bytes + SPACE_RESERVE - free : 0;
    if (missing > 0) throw new NoSpaceError({ needed: bytes, free, missing, blobs: 1, stored: 0 }, what);
  }

  /** Refuses before the first byte is written when the blobs do not fit. */
  requireSpace(blobs: readonly BlobRef[], what: string): SpaceBudget {
    const b = this.budget(blobs);
    if (b.missing > 0) throw new NoSpaceError(b, what);
    return b;
  }
}
