import { describe, expect, test } from "bun:test";
import { ByteWriter, FormatError } from "../../../../runtime/durable/bytes.ts";
import { crc32c } from "../../../../runtime/durable/crc32c.ts";
import { decodeHeader, encodeHeader, encodeRecord, HEADER_SIZE, readRecord } from "../../../../runtime/durable/frame.ts";

const record = (type: number, payload: Uint8Array): Uint8Array => {
  const w = new ByteWriter();
  encodeRecord(w, type, payload);
  return w.take();
};

describe("file header", () => {
  test("round-trips kind and sequence number in 20 bytes", () => {
    const bytes = encodeHeader({ kind: "snapshot", seq: 2 ** 40 });
    expect(bytes.length).toBe(HEADER_SIZE);
    expect(decodeHeader(bytes)).toEqual({ kind: "snapshot", version: 1, seq: 2 ** 40 });
  });

  test("refuses a wrong magic, a flipped bit and a short file with clear errors", () => {
    const bytes = encodeHeader({ kind: "journal", seq: 1 });
    expect(() => decodeHeader(new TextEncoder().encode("PK\x03\x04 not a bunker file"))).toThrow("magic number");
    const flipped = bytes.slice();
    flipped[9]! ^= 0x10;
    expect(() => decodeHeader(flipped)).toThrow("checksum");
    expect(() => decodeHeader(bytes.subarray(0, 10))).toThrow("needs 20 bytes");
  });

  test("refuses a file that needs a newer reader and names both versions", () => {
    const bytes = encodeHeader({ kind: "journal", seq: 1 });
    bytes[4] = 3;
    bytes[5] = 2;
    const view = new DataView(bytes.buffer);
    view.setUint32(16, crc32c(bytes, 0, 16), true);
    expect(() => decodeHeader(bytes)).toThrow(new FormatError("Format version 3 needs a reader of version 2; this bunker reads version 1"));
  });
});

describe("records", () => {
  test("round-trip type and payload with 6 bytes of framing for short payloads", () => {
    const bytes = record(7, Uint8Array.of(1, 2, 3));
    expect(bytes.length).toBe(3 + 6);
    const rec = readRecord(bytes, 0, bytes.length, 100);
    expect(rec).toEqual({ ok: true, type: 7, payload: Uint8Array.of(1, 2, 3), end: 9 });
  });

  test("report a flipped bit, a zero type and a cut-off record without throwing", () => {
    const bytes = record(7, Uint8Array.of(1, 2, 3));
    for (let bit = 0; bit < bytes.length * 8; bit++) {
      const b = bytes.slice();
      b[bit >> 3]! ^= 1 << (bit & 7);
      expect(readRecord(b, 0, b.length, 100).ok).toBe(false);
    }
    expect(readRecord(new Uint8Array(9), 0, 9, 100)).toEqual({ ok: false, reason: "zero type byte (unwritten space)" });
    expect(readRecord(bytes, 0, 8, 100).ok).toBe(false);
  });

  test("refuse a hostile length before reading it", () => {
    const w = new ByteWriter().u8(1).uvarint(2 ** 50);
    const rec = readRecord(w.take(), 0, w.length, 1 << 20);
    expect(rec).toEqual({ ok: false, reason: `record length ${2 ** 50} exceeds the bound of ${1 << 20}` });
  });
});
