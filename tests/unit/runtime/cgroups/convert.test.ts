import { describe, expect, test } from "bun:test";
import { blkioToIoWeight, sharesToWeight, swapToV2, v2Limit } from "../../../../runtime/cgroups/convert.ts";

describe("sharesToWeight", () => {
  test("maps the v1 range 2..262144 onto 1..10000 and the default 1024 to 39", () => {
    expect(sharesToWeight(2)).toBe(1);
    expect(sharesToWeight(1024)).toBe(39);
    expect(sharesToWeight(262144)).toBe(10000);
    expect(sharesToWeight(0)).toBe(0);
  });
});

describe("blkioToIoWeight", () => {
  test("maps 10..1000 onto 1..10000", () => {
    expect(blkioToIoWeight(10)).toBe(1);
    expect(blkioToIoWeight(500)).toBe(4950);
    expect(blkioToIoWeight(1000)).toBe(10000);
  });
});

describe("swapToV2", () => {
  test("subtracts the memory limit from memory+swap", () => {
    expect(swapToV2(300, 100)).toBe(200);
    expect(swapToV2(100, 100)).toBe(0);
  });

  test("keeps unset and unlimited, and makes swap unlimited with unlimited memory", () => {
    expect(swapToV2(0, 100)).toBe(0);
    expect(swapToV2(-1, 100)).toBe(-1);
    expect(swapToV2(0, -1)).toBe(-1);
  });

  test("refuses swap without a memory limit and swap below the limit", () => {
    expect(() => swapToV2(100, 0)).toThrow("needs a memory limit");
    expect(() => swapToV2(50, 100)).toThrow("must be at least memory.limit '100'");
  });
});

describe("v2Limit", () => {
  test("spells -1 as max and leaves 0 unset", () => {
    expect(v2Limit(-1)).toBe("max");
    expect(v2Limit(0)).toBe("");
    expect(v2Limit(undefined)).toBe("");
    expect(v2Limit(4096)).toBe("4096");
  });
});
