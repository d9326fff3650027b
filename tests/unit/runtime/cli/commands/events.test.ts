import { describe, expect, test } from "bun:test";
import { parseInterval } from "../../../../../runtime/cli/commands/events.ts";

describe("parseInterval", () => {
  test("reads Go durations as runc's --interval does", () => {
    expect(parseInterval("5s")).toBe(5000);
    expect(parseInterval("500ms")).toBe(500);
    expect(parseInterval("1m30s")).toBe(90_000);
  });

  test("refuses zero, bare numbers and unknown units", () => {
    expect(() => parseInterval("0s")).toThrow("longer than zero");
    expect(() => parseInterval("5")).toThrow("not '5'");
    expect(() => parseInterval("5d")).toThrow("not '5d'");
  });
});
