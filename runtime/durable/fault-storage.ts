// An in-memory Storage that models power loss. Writes land in a volatile view at once; only what fsync (file data)
// and fsyncDir (names) made durable is sure to survive. A cut stops every later call, and `afterCut(model)` gives
// the disk as the next boot would see it under one of four failure models for the writes that were not synced.
import { dirname } from "node:path";
import { newCounters, SECTOR, type Storage, type StorageFile } from "./storage.ts";

export type FailureModel = "drop" | "prefix" | "torn" | "reorder";
export const FAILURE_MODELS: readonly FailureModel[] = ["drop", "prefix", "torn", "reorder"];

/** Thrown by every call once the power is cut. */
export class PowerCut extends Error {
  override readonly name = "PowerCut";
}

/** Durable contents: path -> inode, inode -> bytes. */
export interface DiskImage {
  names: Map<string, number>;
  data: Map<number, Uint8Array>;
}

type DataOp = { kind: "write"; offset: number; bytes: Uint8Array } | { kind: "truncate"; length: number };
type NameOp = { kind: "link"; path: string; ino: number } | { kind: "rename"; from: string; to: string } | { kind: "unlink"; path: string };

/** A small deterministic PRNG (mulberry32) so every cut is reproducible from its seed. */
export const rng = (seed: number): (() => number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
};

/** Applies `op`, in place when the file does not grow: every map below owns its arrays. */
const applyData = (bytes: Uint8Array, op: DataOp): Uint8Array => {
  if (op.kind === "truncate") {
    const out = new Uint8Array(op.length);
    out.set(bytes.subarray(0, op.length));
    return out;
  }
  const end = op.offset + op.bytes.length;
  const out = end > bytes.length ? new Uint8Array(end) : bytes;
  if (out !== bytes) out.set(bytes);
  out.set(op.bytes, op.offset);
  return out;
};

const applyName = (names: Map<string, number>, op: NameOp): void => {
  if (op.kind === "link") names.set(op.path, op.ino);
  else if (op.kind === "unlink") names.delete(op.path);
  else {
    const ino = names.get(op.from);
    names.delete(op.from);
    if (ino !== undefined) names.set(op.to, ino);
  }
};

const copyData = (data: Map<number, Uint8Array>): Map<number, Uint8Array> => new Map([...data].map(([ino, bytes]) => [ino, bytes.slice()]));

/** Splits writes at sector boundaries: the unit a device completes or loses. */
const sectorPieces = (ops: DataOp[]): DataOp[] =>
  ops.flatMap((op) => {
    if (op.kind === "truncate") return [op];
    const out: DataOp[] = [];
    for (let at = op.offset; at < op.offset + op.bytes.length; ) {
      const next = Math.min(op.offset + op.bytes.length, (Math.floor(at / SECTOR) + 1) * SECTOR);
      out.push({ kind: "write", offset: at, bytes: op.bytes.subarray(at - op.offset, next - op.offset) });
      at = next;
    }
    return out;
  });

/** Which unsynced pieces reach the medium under `model`; a torn piece is replaced by garbage of its size. */
const survivors = <T>(pieces: T[], model: FailureModel, rand: () => number, garble: (p: T, rand: () => number) => T): T[] => {
  const k = Math.floor(rand() * (pieces.length + 1));
  switch (model) {
    case "drop":
      return [];
    case "prefix":
      return pieces.slice(0, k);
    case "torn":
      return k < pieces.length ? [...pieces.slice(0, k), garble(pieces[k]!, rand)] : pieces;
    case "reorder":
      return pieces.filter(() => rand() < 0.5);
  }
};

const garbleData = (p: DataOp, rand: () => number): DataOp => {
  if (p.kind === "truncate") return p;
  const bytes = new Uint8Array(p.bytes.length);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(rand() * 256);
  return { ...p, bytes };
};

export class FaultStorage implements Storage {
  readonly counters = newCounters();
  private readonly durable: DiskImage;
  private readonly names: Map<string, number>;
  private readonly data: Map<number, Uint8Array>;
  private readonly pendingData = new Map<number, DataOp[]>();
  private pendingNames: NameOp[] = [];
  private nextIno: number;
  private cut = false;

  /** `cutAfter`: the number of mutating calls (writes, truncates, syncs, renames, removes) allowed before the cut. */
  constructor(
    image: DiskImage = { names: new Map(), data: new Map() },
    private readonly cutAfter = Infinity,
  ) {
    this.durable = { names: new Map(image.names), data: copyData(image.data) };
    this.names = new Map(image.names);
    this.data = copyData(image.data);
    this.nextIno = Math.max(0, ...image.data.keys()) + 1;
  }

  /** Mutating calls made so far: run a workload once uncut to learn how many cut points it has. */
  get calls(): number {
    return this.counters.writes + this.counters.fsyncs;
  }

  get isCut(): boolean {
    return this.cut;
  }

  private step(): void {
    if (this.cut) throw new PowerCut("Power is off");
    if (this.calls >= this.cutAfter) {
      this.cut = true;
      throw new PowerCut(`Power cut after call ${this.cutAfter}`);
    }
  }

  private inode(path: string): number {
    const ino = this.names.get(path);
    if (ino === undefined) throw Object.assign(new Error(`ENOENT: no such file '${path}'`), { code: "ENOENT" });
    return ino;
  }

  private mutateData(ino: number, op: DataOp): void {
    this.step();
    this.counters.writes++;
    if (op.kind === "write") this.counters.bytes += op.bytes.length;
    const owned: DataOp = op.kind === "write" ? { ...op, bytes: op.bytes.slice() } : op;
    this.data.set(ino, applyData(this.data.get(ino)!, owned));
    const list = this.pendingData.get(ino) ?? [];
    list.push(owned);
    this.pendingData.set(ino, list);
  }

  private mutateName(op: NameOp): void {
    this.step();
    this.counters.writes++;
    applyName(this.names, op);
    this.pendingNames.push(op);
  }

  open(path: string, opts: { create?: boolean; direct?: boolean; mode?: number } = {}): StorageFile {
    if (this.cut) throw new PowerCut("Power is off");
    if (!this.names.has(path)) {
      if (!opts.create) this.inode(path);
      const ino = this.nextIno++;
      this.data.set(ino, new Uint8Array(0));
      this.durable.data.set(ino, new Uint8Array(0));
      this.mutateName({ kind: "link", path, ino });
    }
    const ino = this.inode(path);
    const direct = opts.direct ?? false;
    const self = this;
    return {
      path,
      direct,
      size: () => self.data.get(ino)!.length,
      writeAt(offset, bytes) {
        if (direct && (offset % SECTOR !== 0 || bytes.length % SECTOR !== 0)) throw new RangeError(`Direct write at ${offset} of ${bytes.length} bytes is not sector-aligned`);
        self.mutateData(ino, { kind: "write", offset, bytes });
      },
      append(bytes) {
        self.mutateData(ino, { kind: "write", offset: self.data.get(ino)!.length, bytes });
      },
      truncate: (length) => self.mutateData(ino, { kind: "truncate", length }),
      fsync() {
        self.step();
        self.counters.fsyncs++;
        for (const op of self.pendingData.get(ino) ?? []) self.durable.data.set(ino, applyData(self.durable.data.get(ino)!, op));
        self.pendingData.delete(ino);
      },
      close() {},
    };
  }

  read(path: string): Uint8Array | undefined {
    if (this.cut) throw new PowerCut("Power is off");
    const ino = this.names.get(path);
    return ino === undefined ? undefined : this.data.get(ino)!.slice();
  }

  readAt(path: string, offset: number, length: number): Uint8Array {
    if (this.cut) throw new PowerCut("Power is off");
    return this.data.get(this.inode(path))!.slice(offset, offset + length);
  }

  size(path: string): number | undefined {
    const ino = this.names.get(path);
    return ino === undefined ? undefined : this.data.get(ino)!.length;
  }

  list(dir: string): string[] {
    return [...this.names.keys()].filter((p) => dirname(p) === dir).map((p) => p.slice(dir.length + 1));
  }

  /** Directories are implicit here: every path can hold files. */
  ensureDir(): void {}

  rename(from: string, to: string): void {
    this.inode(from);
    this.mutateName({ kind: "rename", from, to });
  }

  remove(path: string): void {
    if (this.names.has(path)) this.mutateName({ kind: "unlink", path });
  }

  fsyncDir(dir: string): void {
    this.step();
    this.counters.fsyncs++;
    const touches = (op: NameOp): boolean => [op.kind === "rename" ? op.from : op.path, op.kind === "rename" ? op.to : op.path].some((p) => dirname(p) === dir);
    for (const op of this.pendingNames.filter(touches)) applyName(this.durable.names, op);
    this.pendingNames = this.pendingNames.filter((op) => !touches(op));
  }

  /** The disk the next boot sees: durable contents plus the unsynced writes that `model` lets through. */
  afterCut(model: FailureModel, seed: number): DiskImage {
    const rand = rng(seed);
    const names = new Map(this.durable.names);
    for (const op of survivors(this.pendingNames, model, rand, (p) => p)) applyName(names, op);
    const data = copyData(this.durable.data);
    for (const [ino, ops] of this.pendingData)
      for (const op of survivors(sectorPieces(ops), model, rand, garbleData)) data.set(ino, applyData(data.get(ino)!, op));
    return { names, data };
  }
}
