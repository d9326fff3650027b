import { describe, expect, test } from "bun:test";
import { formatBytes, parseDuration, parsePercent, parseSize } from "../../../runtime/units.ts";

describe("units", () => {
  test("parseSize() reads binary units with or without 'iB'", () => {
    expect(parseSize("4096")).toBe(4096);
    expect(parseSize("64M")).toBe(64 * 2 ** 20);
    expect(parseSize("64MiB")).toBe(64 * 2 ** 20);
    expect(parseSize("1.5g")).toBe(1.5 * 2 ** 30);
    expect(parseSize("10b")).toBe(10);
    expect(() => parseSize("64ib")).toThrow("Cannot read size: '64ib'");
  });

  test("parseDuration() needs a unit, and adds up Go's compound durations", () => {
    expect(parseDuration("500ms")).toBe(500);
    expect(parseDuration("1m30s")).toBe(90_000);
    expect(parseDuration("2s")).toBe(2000);
    expect(parseDuration("1.5m")).toBe(90_000);
    expect(() => parseDuration("10")).toThrow("Cannot read duration: '10'");
  });

  test("parsePercent() takes the sign as optional", () => {
    expect(parsePercent("0.5%")).toBe(0.5);
    expect(parsePercent("2")).toBe(2);
  });

  test("formatBytes() picks the largest unit below 1024", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(3 * 2 ** 20)).toBe("3.0 MiB");
  });
});
