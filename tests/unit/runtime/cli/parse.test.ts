import { describe, expect, test } from "bun:test";
import type { FlagSpec } from "../../../../runtime/cli/command.ts";
import { parseArgs } from "../../../../runtime/cli/parse.ts";

const specs: FlagSpec[] = [
  { name: "root", kind: "string", help: "" },
  { name: "memory", kind: "int", help: "" },
  { name: "debug", kind: "bool", help: "" },
  { name: "resources", short: "r", kind: "string", help: "" },
];

describe("parseArgs()", () => {
  test("a flag that takes a value refuses to be last, empty, or followed by another flag", () => {
    expect(() => parseArgs(["--root"], specs)).toThrow("Flag --root needs a value");
    expect(() => parseArgs(["--root="], specs)).toThrow("Flag --root needs a value");
    expect(() => parseArgs(["--root", "--debug"], specs)).toThrow("Flag --root needs a value, not the flag '--debug' (write --root=--debug");
    expect(() => parseArgs(["-r", "-x"], specs)).toThrow("Flag --resources needs a value, not the flag '-x'");
  });

  test("still takes a value that starts with '-' where it can only be a value", () => {
    expect(parseArgs(["--memory", "-1"], specs).flags.memory).toBe(-1);
    expect(parseArgs(["-r", "-"], specs).flags.resources).toBe("-");
    expect(parseArgs(["--root=--odd"], specs).flags.root).toBe("--odd");
  });
});

describe("parseArgs() numbers", () => {
  test("refuses a number past 2^53-1, which would silently become another one", () => {
    expect(parseArgs(["--memory", "9007199254740991"], specs).flags.memory).toBe(9007199254740991);
    expect(() => parseArgs(["--memory", "9007199254740993"], specs)).toThrow("Flag --memory takes a whole number (at most 2^53-1), not '9007199254740993'");
  });
});
