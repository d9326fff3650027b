// The store's index as a bunker file: header (kind images, seq = generation), a head record with the counts, then
// one record per name, pin, unpacked layer and container use. Replaced whole (tmp, fsync, rename, fsync dir): it is
// small, changes rarely, and a reader then always sees one complete generation.
import { ByteReader, ByteWriter, FormatError } from "../../runtime/durable/bytes.ts";
import { decodeHeader, encodeHeader, encodeRecord, HEADER_SIZE, readRecord } from "../../runtime/durable/frame.ts";
import type { ImageIndexHead, ImageName, ImagePin, ImageUse, UnpackedLayer } from "../../runtime/durable/image-records.ts";
import { recordType, recordTypes, type RecordType } from "../../runtime/durable/record-types.ts";

const MAX_RECORD = 64 * 1024;

export interface IndexContent {
  images: ImageName[];
  pins: ImagePin[];
  layers: UnpackedLayer[];
  uses: ImageUse[];
}

export const emptyIndex = (): IndexContent => ({ images: [], pins: [], layers: [], uses: [] });

const head = recordType("imageIndexHead");
const SECTIONS: [keyof IndexContent, RecordType][] = [
  ["images", recordType("imageName")],
  ["pins", recordType("imagePin")],
  ["layers", recordType("unpackedLayer")],
  ["uses", recordType("imageUse")],
];

const payload = (type: RecordType, value: unknown): Uint8Array => {
  const p = new ByteWriter(128);
  type.codec.encode(p, value);
  return p.written();
};

export const encodeIndex = (generation: number, c: IndexContent): Uint8Array => {
  const w = new ByteWriter(4096);
  w.bytes(encodeHeader({ kind: "images", seq: generation }));
  const counts: ImageIndexHead = { images: c.images.length, pins: c.pins.length, layers: c.layers.length, uses: c.uses.length };
  encodeRecord(w, head.code, payload(head, counts));
  for (const [key, type] of SECTIONS) for (const v of c[key]) encodeRecord(w, type.code, payload(type, v));
  return w.take();
};

/** Throws FormatError when the index is damaged or holds fewer records than its head announces. */
export const decodeIndex = (buf: Uint8Array): { generation: number; content: IndexContent } => {
  const header = decodeHeader(buf);
  if (header.kind !== "images") throw new FormatError(`Expected an image index, found a ${header.kind} file`);
  let counts: ImageIndexHead | undefined;
  const content = emptyIndex();
  for (let pos = HEADER_SIZE; pos < buf.length; ) {
    const rec = readRecord(buf, pos, buf.length, MAX_RECORD);
    if (!rec.ok) throw new FormatError(`Image index record at offset ${pos} is damaged: ${rec.reason}`);
    pos = rec.end;
    const r = new ByteReader(rec.payload);
    if (rec.type === head.code) {
      counts = head.codec.decode(r) as ImageIndexHead;
      continue;
    }
    const section = SECTIONS.find(([, t]) => t.code === rec.type);
    if (section) (content[section[0]] as unknown[]).push(section[1].codec.decode(r));
    else if (recordTypes.has(rec.type)) throw new FormatError(`Image index holds a '${recordTypes.get(rec.type)!.name}' record`);
  }
  if (!counts) throw new FormatError("Image index has no head record");
  for (const [key] of SECTIONS)
    if (content[key].length !== counts[key]) throw new FormatError(`Image index announces ${counts[key]} ${key} and holds ${content[key].length}`);
  return { generation: header.seq, content };
};
