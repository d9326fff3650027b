import { describe, expect, test } from "bun:test";
import { describeError, escapeControl } from "../../../runtime/errors.ts";

describe("describeError()", () => {
  test("joins the cause chain, outermost first", () => {
    expect(describeError(new Error("create 'a'", { cause: new Error("mount '/proc'") }))).toBe("create 'a': mount '/proc'");
  });

  test("an engine error becomes 'internal error' with bunker's own context, never its message or source text", () => {
    let engine: unknown;
    try {
      (undefined as unknown as { forEach(): void }).forEach();
    } catch (e) {
      engine = e;
    }
    expect(describeError(new Error("Reading the config", { cause: engine }))).toBe("internal error: Reading the config");
    expect(describeError(engine)).toBe("internal error (TypeError)");
    const deep = (n: number): number => deep(n + 1) + 1;
    let overflow: unknown;
    try {
      deep(0);
    } catch (e) {
      overflow = e;
    }
    expect(describeError(overflow)).toBe("internal error (RangeError)");
  });

  test("escapes control characters, so input echoed into a message cannot break the line", () => {
    expect(describeError(new Error("no such program: 'a\nb\u001b[31m\u0000\u2028'"))).toBe("no such program: 'a\\nb\\x1b[31m\\x00\\u2028'");
  });
});

describe("escapeControl()", () => {
  test("leaves printable text, including non-ASCII, alone", () => {
    expect(escapeControl("größe ✓ 'x'")).toBe("größe ✓ 'x'");
    expect(escapeControl("\t\r\x7f\x9b")).toBe("\\t\\r\\x7f\\x9b");
  });
});
