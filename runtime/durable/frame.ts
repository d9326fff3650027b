// The two framing layers every bunker file shares: a fixed 20-byte file header and self-checking records.
//
// header: "BNKR" | version u8 | minReader u8 | kind u8 | 0 u8 | seq u64 | crc32c(bytes 0..15) u32   (little-endian)
// record: type u8 (never 0) | length uvarint | payload | crc32c(type, length, payload) u32
import { ByteReader, ByteWriter, FormatError } from "./bytes.ts";
import { crc32c } from "./crc32c.ts";

export const MAGIC = [0x42, 0x4e, 0x4b, 0x52] as const; // "BNKR"
/** The format version this code writes and the newest whose files it can read. */
export const FORMAT_VERSION = 1;
export const HEADER_SIZE = 20;

export const FILE_KINDS = { journal: 1, snapshot: 2, checkpoint: 3, images: 4, ingest: 5 } as const;
export type FileKind = keyof typeof FILE_KINDS;

export interface FileHeader {
  kind: FileKind;
  /** Writer's format version (informational). */
  version: number;
  /** Journal: sequence number of its first record. Snapshot: last sequence number it includes. Checkpoint: 0.
   * Image index: its generation. Ingest checkpoint: the slot's generation. */
  seq: number;
}

export const encodeHeader = (h: Omit<FileHeader, "version">): Uint8Array => {
  const w = new ByteWriter(HEADER_SIZE);
  for (const b of MAGIC) w.u8(b);
  w.u8(FORMAT_VERSION).u8(FORMAT_VERSION).u8(FILE_KINDS[h.kind]).u8(0).u64(h.seq);
  w.u32(crc32c(w.written()));
  return w.take();
};

/** Throws FormatError naming what is wrong: short file, wrong magic, checksum, a version this reader cannot read. */
export const decodeHeader = (buf: Uint8Array): FileHeader => {
  if (buf.length < HEADER_SIZE) throw new FormatError(`File header needs ${HEADER_SIZE} bytes, the file has ${buf.length}`);
  if (MAGIC.some((b, i) => buf[i] !== b)) throw new FormatError("Not a bunker file: the magic number is not 'BNKR'");
  const r = new ByteReader(buf, 4, HEADER_SIZE);
  const version = r.u8();
  const minReader = r.u8();
  const kindByte = r.u8();
  r.u8();
  const seq = r.u64();
  if (r.u32() !== crc32c(buf, 0, 16)) throw new FormatError("File header checksum does not match");
  if (minReader > FORMAT_VERSION)
    throw new FormatError(`Format version ${version} needs a reader of version ${minReader}; this bunker reads version ${FORMAT_VERSION}`);
  const kind = (Object.keys(FILE_KINDS) as FileKind[]).find((k) => FILE_KINDS[k] === kindByte);
  if (!kind) throw new FormatError(`File kind ${kindByte} is unknown`);
  return { kind, version, seq };
};

export const encodeRecord = (w: ByteWriter, type: number, payload: Uint8Array): void => {
  if (type < 1 || type > 255) throw new RangeError(`Encode record: type '${type}' is not 1..255`);
  const start = w.length;
  w.u8(type).uvarint(payload.length).bytes(payload);
  const all = w.written();
  w.u32(crc32c(all, start, all.length));
};

export type RecordRead =
  | { ok: true; type: number; payload: Uint8Array; end: number }
  | { ok: false; reason: string };

/**
 * Reads one record at `pos` without throwing: a torn or foreign record is an expected end of a log.
 * `maxPayload` bounds the length field before anything is read, so a hostile length allocates nothing.
 */
export const readRecord = (buf: Uint8Array, pos: number, end: number, maxPayload: number): RecordRead => {
  if (pos >= end) return { ok: false, reason: "end of data" };
  const type = buf[pos]!;
  if (type === 0) return { ok: false, reason: "zero type byte (unwritten space)" };
  const r = new ByteReader(buf, pos + 1, end);
  let length: number;
  try {
    length = r.uvarint();
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  }
  if (length > maxPayload) return { ok: false, reason: `record length ${length} exceeds the bound of ${maxPayload}` };
  if (length + 4 > r.remaining) return { ok: false, reason: `record length ${length} runs past the end of the data` };
  const payloadStart = r.pos;
  const crcAt = payloadStart + length;
  const stored = new DataView(buf.buffer, buf.byteOffset + crcAt, 4).getUint32(0, true);
  if (stored !== crc32c(buf, pos, crcAt)) return { ok: false, reason: "record checksum does not match" };
  return { ok: true, type, payload: buf.subarray(payloadStart, crcAt), end: crcAt + 4 };
};

/** Where a record sits in a file too large to load: found from its first bytes, checked when loaded. */
export interface RecordRef {
  type: number;
  offset: number;
  payloadAt: number;
  length: number;
  end: number;
}

/** Reads `length` bytes at `offset` of one file. */
export type ReadAt = (offset: number, length: number) => Uint8Array;

/**
 * Walks the records of a file `size` bytes long from `start`, reading only their first bytes. Stops at the first
 * record whose type or length is impossible and returns why, or undefined at a clean end.
 */
export const walkRecords = (read: ReadAt, start: number, size: number, maxPayload: number, visit: (ref: RecordRef) => void): string | undefined => {
  for (let offset = start; offset < size; ) {
    const head = read(offset, 9);
    if (head[0] === 0) return `zero type byte at offset ${offset}`;
    const r = new ByteReader(head, 1);
    let length: number;
    try {
      length = r.uvarint();
    } catch (err) {
      return (err as Error).message;
    }
    const end = offset + r.pos + length + 4;
    if (length > maxPayload || end > size) return `record at offset ${offset} claims ${length} bytes, beyond ${end > size ? "the end of the file" : `the bound of ${maxPayload}`}`;
    visit({ type: head[0]!, offset, payloadAt: offset + r.pos, length, end });
    offset = end;
  }
  return undefined;
};

/** Loads a record found by `walkRecords` and checks its checksum. */
export const loadRecord = (read: ReadAt, ref: RecordRef): RecordRead => {
  const bytes = read(ref.offset, ref.end - ref.offset);
  const rec = readRecord(bytes, 0, bytes.length, ref.length);
  return rec.ok ? { ...rec, end: ref.end } : rec;
};
