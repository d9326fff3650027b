// The journal file: a preallocated segment of sectors, overwritten in place so appending never changes its size
// (an fdatasync then writes the data sectors only). Sector 0 holds the file header, whose seq is the sequence number
// of the segment's first record. Every record starts on a sector boundary, so a write never rewrites a sector that
// holds a committed record, and is: seq uvarint + change payload, in the record frame. Older records left from
// before the last reset have lower seq numbers and end the scan like zeros do.
import { ByteReader, ByteWriter } from "./bytes.ts";
import { decodeHeader, encodeHeader, encodeRecord, readRecord } from "./frame.ts";
import type { LifecycleChange } from "./lifecycle.ts";
import { changeType, recordTypes } from "./record-types.ts";
import { SECTOR } from "./storage.ts";

/** Bound on one journal record's payload (a resources update is the largest). */
export const JOURNAL_MAX_PAYLOAD = 32 * 1024;
export const DEFAULT_SEGMENT_BYTES = 256 * 1024;

const roundUp = (n: number): number => Math.ceil(n / SECTOR) * SECTOR;

/** A fresh segment: header, then zeros. */
export const emptySegment = (bytes: number, firstSeq: number): Uint8Array => {
  const seg = new Uint8Array(bytes);
  seg.set(encodeHeader({ kind: "journal", seq: firstSeq }));
  return seg;
};

export const headerSector = (firstSeq: number): Uint8Array => emptySegment(SECTOR, firstSeq);

/** One change, framed and padded with zeros to whole sectors. */
export const encodeEntry = (seq: number, change: LifecycleChange): Uint8Array => {
  const p = new ByteWriter(64);
  p.uvarint(seq);
  const type = changeType(change);
  type.codec.encode(p, change);
  if (p.length > JOURNAL_MAX_PAYLOAD) throw new RangeError(`Encode '${change.kind}'${"id" in change ? ` for '${change.id}'` : ""}: ${p.length} bytes exceed the bound of ${JOURNAL_MAX_PAYLOAD}`);
  const w = new ByteWriter(roundUp(p.length + 16));
  encodeRecord(w, type.code, p.written());
  const out = new Uint8Array(roundUp(w.length));
  out.set(w.written());
  return out;
};

export interface JournalEntry {
  seq: number;
  offset: number;
  /** The record type's name; `change` is absent for types this version does not know. */
  type: string;
  change?: LifecycleChange;
}

export interface SegmentScan {
  firstSeq: number;
  entries: JournalEntry[];
  /** Offset where the next record goes. */
  tail: number;
  /** Damaged sectors found at the tail (a write the power cut tore): what recovery must zero and report. */
  dropped?: { offset: number; bytes: number; reason: string };
}

const isZero = (buf: Uint8Array, start: number, end: number): boolean => {
  for (let i = start; i < end; i++) if (buf[i] !== 0) return false;
  return true;
};

/** A record from before the last reset: intact, but numbered below where the scan stands. */
const isStale = (buf: Uint8Array, pos: number, expected: number): boolean => {
  const rec = readRecord(buf, pos, buf.length, JOURNAL_MAX_PAYLOAD);
  if (!rec.ok) return false;
  try {
    return new ByteReader(rec.payload).uvarint() < expected;
  } catch {
    return false;
  }
};

/** Reads a whole segment. Throws FormatError only when the header is unusable; a damaged tail is reported. */
export const scanSegment = (buf: Uint8Array): SegmentScan => {
  const header = decodeHeader(buf);
  if (header.kind !== "journal") throw new Error(`Expected a journal, found a ${header.kind} file`);
  const entries: JournalEntry[] = [];
  let seq = header.seq;
  let pos = SECTOR;
  let stop = "";
  while (pos < buf.length) {
    const rec = readRecord(buf, pos, buf.length, JOURNAL_MAX_PAYLOAD);
    if (!rec.ok) {
      stop = rec.reason;
      break;
    }
    const r = new ByteReader(rec.payload);
    const type = recordTypes.get(rec.type);
    try {
      const at = r.uvarint();
      if (at !== seq) {
        stop = at < seq ? "" : `record numbered ${at} where ${seq} was due`;
        break;
      }
      entries.push({ seq, offset: pos, type: type?.name ?? `unknown(${rec.type})`, change: type ? (type.codec.decode(r) as LifecycleChange) : undefined });
    } catch (err) {
      stop = `record ${seq} does not decode: ${(err as Error).message}`;
      break;
    }
    seq++;
    pos = roundUp(rec.end);
  }
  const tail = pos;
  // Everything after the tail that is neither empty nor from before the last reset goes: a damaged record, and also
  // intact later members of a group commit whose earlier member was lost (written unsynced in one batch, a power cut
  // can keep any of them); left in place, they would be taken for the changes recorded after this recovery.
  let end = tail;
  for (let at = tail; at < buf.length; at += SECTOR) if (!isZero(buf, at, at + SECTOR) && !isStale(buf, at, seq)) end = at + SECTOR;
  if (end === tail) return { firstSeq: header.seq, entries, tail };
  const reason = stop || (isZero(buf, tail, tail + SECTOR) ? "records after a lost one (a group commit cut short)" : "damaged record");
  return { firstSeq: header.seq, entries, tail, dropped: { offset: tail, bytes: end - tail, reason } };
};
