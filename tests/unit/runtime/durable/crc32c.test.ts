import { describe, expect, test } from "bun:test";
import { crc32c, crc32cUpdate } from "../../../../runtime/durable/crc32c.ts";

describe("crc32c", () => {
  test("matches the check value of the Castagnoli polynomial for '123456789'", () => {
    expect(crc32c(new TextEncoder().encode("123456789"))).toBe(0xe3069283);
  });

  test("matches the RFC 3720 (iSCSI) test vectors", () => {
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i))).toBe(0x113fdb5c);
  });

  test("is zero for no bytes", () => {
    expect(crc32c(new Uint8Array(0))).toBe(0);
  });

  test("gives the same value when fed in parts", () => {
    const data = new TextEncoder().encode("power cuts happen at any instant");
    expect(crc32cUpdate(crc32c(data, 0, 10), data, 10)).toBe(crc32c(data));
  });

  test("agrees with the one-byte-a-step definition at every length and offset (the slicing-by-8 path and its tail)", () => {
    const reference = (b: Uint8Array): number => {
      let c = 0xffffffff;
      for (const x of b) {
        c ^= x;
        for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
      }
      return ~c >>> 0;
    };
    let seed = 7;
    const data = Uint8Array.from({ length: 300 }, () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) >> 23);
    for (let start = 0; start < 9; start++)
      for (let end = start; end <= data.length; end += 7) expect(crc32c(data, start, end)).toBe(reference(data.subarray(start, end)));
  });
});
