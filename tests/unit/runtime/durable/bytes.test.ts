import { describe, expect, test } from "bun:test";
import { ByteReader, ByteWriter, FormatError, MAX_SIGNED } from "../../../../runtime/durable/bytes.ts";

const roundTrip = (write: (w: ByteWriter) => void, read: (r: ByteReader) => number): number => {
  const w = new ByteWriter(4);
  write(w);
  return read(new ByteReader(w.take()));
};

describe("varints", () => {
  test("unsigned varints round-trip from 0 to 2^53-1", () => {
    for (const v of [0, 1, 127, 128, 300, 16383, 16384, 2 ** 31, 2 ** 32 + 5, Number.MAX_SAFE_INTEGER])
      expect(roundTrip((w) => w.uvarint(v), (r) => r.uvarint())).toBe(v);
  });

  test("unsigned varints use one byte below 128 and two below 16384", () => {
    expect(new ByteWriter().uvarint(127).length).toBe(1);
    expect(new ByteWriter().uvarint(128).length).toBe(2);
    expect(new ByteWriter().uvarint(16383).length).toBe(2);
    expect(new ByteWriter().uvarint(300).take()).toEqual(Uint8Array.of(0xac, 0x02));
  });

  test("signed varints keep small negative numbers short", () => {
    for (const v of [0, -1, 1, -64, 63, -65, 1234567, -1234567, MAX_SIGNED, -MAX_SIGNED])
      expect(roundTrip((w) => w.svarint(v), (r) => r.svarint())).toBe(v);
    expect(new ByteWriter().svarint(-1).take()).toEqual(Uint8Array.of(1));
    expect(new ByteWriter().svarint(-64).length).toBe(1);
  });

  test("encoding refuses negative, fractional and unsafe numbers", () => {
    expect(() => new ByteWriter().uvarint(-1)).toThrow(RangeError);
    expect(() => new ByteWriter().uvarint(1.5)).toThrow(RangeError);
    expect(() => new ByteWriter().uvarint(2 ** 53)).toThrow(RangeError);
    expect(() => new ByteWriter().svarint(2 ** 52)).toThrow(RangeError);
  });

  test("decoding refuses a cut-off varint and one longer than 8 bytes", () => {
    expect(() => new ByteReader(Uint8Array.of(0x80, 0x80)).uvarint()).toThrow(FormatError);
    expect(() => new ByteReader(new Uint8Array(9).fill(0xff)).uvarint()).toThrow("longer than 8 bytes");
    expect(() => new ByteReader(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f)).uvarint()).toThrow("exceeds 2^53");
  });
});

describe("ByteReader", () => {
  test("refuses to read past its end instead of allocating", () => {
    const r = new ByteReader(Uint8Array.of(1, 2, 3));
    expect(() => r.bytes(1_000_000_000)).toThrow("needs 1000000000 bytes, 3 left");
    expect(() => r.u32()).toThrow(FormatError);
  });

  test("reads 64-bit little-endian integers up to 2^53", () => {
    const w = new ByteWriter().u64(2 ** 40 + 7);
    expect(new ByteReader(w.take()).u64()).toBe(2 ** 40 + 7);
    expect(() => new ByteReader(new Uint8Array(8).fill(0xff)).u64()).toThrow("exceeds 2^53");
  });
});
