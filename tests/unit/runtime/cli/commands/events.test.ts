import { describe, expect, test } from "bun:test";
import { parseDuration } from "../../../../../runtime/cli/commands/events.ts";

describe("parseDuration", () => {
  test("reads Go durations as runc's --interval does", () => {
    expect(parseDuration("5s")).toBe(5000);
    expect(parseDuration("500ms")).toBe(500);
    expect(parseDuration("1m30s")).toBe(90_000);
  });

  test("refuses zero, bare numbers and unknown units", () => {
    expect(() => parseDuration("0s")).toThrow("longer than zero");
    expect(() => parseDuration("5")).toThrow("not '5'");
    expect(() => parseDuration("5d")).toThrow("not '5d'");
  });
});
