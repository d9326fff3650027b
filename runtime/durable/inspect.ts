// Decodes any bunker state or checkpoint file for `bunker checkpoint inspect`: every record with its offset, type
// and value, plus what a reader would make of the file's end. Damage is reported, never thrown past the header.
import { Type, type Static } from "@sinclair/typebox";
import { ByteReader } from "./bytes.ts";
import { CHECKPOINT_MAX_RECORD } from "./checkpoint-records.ts";
import { decodeHeader, HEADER_SIZE, loadRecord, walkRecords } from "./frame.ts";
import { scanSegment } from "./journal-segment.ts";
import { recordTypes } from "./record-types.ts";
import { SNAPSHOT_MAX_RECORD } from "./snapshot.ts";
import { fsStorage, type Storage } from "./storage.ts";

export const InspectedRecord = Type.Object({
  offset: Type.Integer({ minimum: 0 }),
  type: Type.String(),
  /** Journal records only. */
  seq: Type.Optional(Type.Integer({ minimum: 0 })),
  /** The decoded payload; byte strings of up to 32 bytes as hex, longer ones as their length. */
  value: Type.Optional(Type.Unknown()),
});

export const InspectReport = Type.Object({
  file: Type.String(),
  kind: Type.Union([Type.Literal("journal"), Type.Literal("snapshot"), Type.Literal("checkpoint"), Type.Literal("images"), Type.Literal("ingest")]),
  version: Type.Integer(),
  /** Journal: first change number. Snapshot: last change included. */
  seq: Type.Integer(),
  size: Type.Integer(),
  records: Type.Array(InspectedRecord),
  /** How the records end: "clean", or what stopped the reading. */
  end: Type.String(),
});
export type InspectReport = Static<typeof InspectReport>;

/** Byte strings made printable: hashes as hex, data as a length. */
const printable = (v: unknown): unknown => {
  if (v instanceof Uint8Array) return v.length <= 32 ? Buffer.from(v).toString("hex") : `<${v.length} bytes>`;
  if (Array.isArray(v)) return v.map(printable);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, printable(x)]));
  return v;
};

/** The config as JSON rather than as a string of JSON, when it parses. */
const configValue = (v: { json: string }): unknown => {
  try {
    return { json: JSON.parse(v.json) };
  } catch {
    return v;
  }
};

/** Throws only when the file is missing or its header is unreadable. */
export const inspectFile = (file: string, storage: Storage = fsStorage()): InspectReport => {
  const size = storage.size(file);
  if (size === undefined) throw new Error(`Inspect '${file}': no such file`);
  const read = (offset: number, length: number): Uint8Array => storage.readAt(file, offset, length);
  let header;
  try {
    header = decodeHeader(read(0, HEADER_SIZE));
  } catch (err) {
    throw new Error(`Inspect '${file}'`, { cause: err });
  }
  const report: InspectReport = { file, kind: header.kind, version: header.version, seq: header.seq, size, records: [], end: "clean" };
  if (header.kind === "journal") {
    // A journal segment is small by design (a quarter MiB by default): read it whole.
    const scan = scanSegment(storage.read(file)!);
    report.records = scan.entries.map((e) => ({ offset: e.offset, type: e.type, seq: e.seq, value: e.change }));
    report.end = scan.dropped ? `damaged tail at offset ${scan.dropped.offset} (${scan.dropped.bytes} bytes): ${scan.dropped.reason}` : `clean; next record at offset ${scan.tail}`;
    return report;
  }
  const max = header.kind === "checkpoint" ? CHECKPOINT_MAX_RECORD : SNAPSHOT_MAX_RECORD;
  let damaged: string | undefined;
  const stop = walkRecords(read, HEADER_SIZE, size, max, (ref) => {
    if (damaged) return;
    const rec = loadRecord(read, ref);
    if (!rec.ok) {
      damaged = `record at offset ${ref.offset}: ${rec.reason}`;
      return;
    }
    const type = recordTypes.get(rec.type);
    if (!type) return void report.records.push({ offset: ref.offset, type: `unknown(${rec.type})` });
    try {
      const value = type.codec.decode(new ByteReader(rec.payload));
      report.records.push({ offset: ref.offset, type: type.name, value: type.name === "config" ? configValue(value as { json: string }) : printable(value) });
    } catch (err) {
      damaged = `'${type.name}' record at offset ${ref.offset}: ${(err as Error).message}`;
    }
  });
  report.end = damaged ?? stop ?? "clean";
  return report;
};
