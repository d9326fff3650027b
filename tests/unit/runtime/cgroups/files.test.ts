import { describe, expect, test } from "bun:test";
import { parseCount, scaleCount } from "../../../../runtime/cgroups/files.ts";

describe("parseCount()", () => {
  test("keeps what a double holds exactly a number, and reads the rest exactly as a bigint", () => {
    expect(parseCount("4096")).toBe(4096);
    expect(parseCount(String(2 ** 53 - 1))).toBe(2 ** 53 - 1);
    expect(parseCount("9223372036854771712")).toBe(9223372036854771712n);
    expect(parseCount("max")).toBe(18446744073709551615n);
    expect(parseCount("-1")).toBe(-1);
  });
});

describe("scaleCount()", () => {
  test("converts units exactly, turning into a bigint only when the product outgrows a double", () => {
    expect(scaleCount(7, 1000)).toBe(7000);
    expect(scaleCount(2 ** 50, 1000)).toBe(2n ** 50n * 1000n);
    expect(scaleCount(9223372036854771712n, 1)).toBe(9223372036854771712n);
  });
});
