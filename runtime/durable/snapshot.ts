// The compacted state: a header (kind snapshot, seq = last change included), a head record with the container
// count, then one record per container. Complete only when every announced container record is present.
import { ByteReader, ByteWriter, FormatError } from "./bytes.ts";
import { decodeHeader, encodeHeader, encodeRecord, HEADER_SIZE, readRecord } from "./frame.ts";
import type { ContainerState } from "./lifecycle.ts";
import { recordType, recordTypes } from "./record-types.ts";

/** Bound on one snapshot record: a container record is well under this. */
export const SNAPSHOT_MAX_RECORD = 64 * 1024;

const head = recordType("snapshotHead");
const container = recordType("container");

export const encodeSnapshot = (seq: number, containers: Iterable<ContainerState>): Uint8Array => {
  const list = [...containers];
  const w = new ByteWriter(HEADER_SIZE + 64 * (list.length + 1));
  w.bytes(encodeHeader({ kind: "snapshot", seq }));
  const payload = (type: typeof head, value: unknown): Uint8Array => {
    const p = new ByteWriter(64);
    type.codec.encode(p, value);
    return p.written();
  };
  encodeRecord(w, head.code, payload(head, { containers: list.length }));
  for (const c of list) encodeRecord(w, container.code, payload(container, c));
  return w.take();
};

/** Throws FormatError when the snapshot is damaged or incomplete; skips record types it does not know. */
export const decodeSnapshot = (buf: Uint8Array): { seq: number; containers: ContainerState[]; skipped: number } => {
  const header = decodeHeader(buf);
  if (header.kind !== "snapshot") throw new FormatError(`Expected a snapshot, found a ${header.kind} file`);
  let expected: number | undefined;
  const containers: ContainerState[] = [];
  let skipped = 0;
  for (let pos = HEADER_SIZE; pos < buf.length; ) {
    const rec = readRecord(buf, pos, buf.length, SNAPSHOT_MAX_RECORD);
    if (!rec.ok) throw new FormatError(`Snapshot record at offset ${pos} is damaged: ${rec.reason}`);
    pos = rec.end;
    const r = new ByteReader(rec.payload);
    if (rec.type === head.code) expected = (head.codec.decode(r) as { containers: number }).containers;
    else if (rec.type === container.code) containers.push(container.codec.decode(r) as ContainerState);
    else if (recordTypes.has(rec.type)) throw new FormatError(`Snapshot holds a '${recordTypes.get(rec.type)!.name}' record`);
    else skipped++;
  }
  if (expected === undefined) throw new FormatError("Snapshot has no head record");
  if (containers.length !== expected) throw new FormatError(`Snapshot announces ${expected} containers and holds ${containers.length}`);
  return { seq: header.seq, containers, skipped };
};
