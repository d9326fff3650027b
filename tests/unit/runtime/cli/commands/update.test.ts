import { describe, expect, test } from "bun:test";
import { parseBytes } from "../../../../../runtime/cli/commands/update.ts";

describe("parseBytes", () => {
  test("reads runc's sizes with binary units", () => {
    expect(parseBytes("memory", "4096")).toBe(4096);
    expect(parseBytes("memory", "64m")).toBe(64 * 2 ** 20);
    expect(parseBytes("memory", "1.5G")).toBe(1.5 * 2 ** 30);
    expect(parseBytes("memory", "512KiB")).toBe(512 * 1024);
    expect(parseBytes("memory", "-1")).toBe(-1);
  });

  test("refuses anything else, naming the flag and the value", () => {
    expect(() => parseBytes("memory-swap", "1x")).toThrow("Flag --memory-swap takes a size such as '64m' or -1, not '1x'");
  });
});
