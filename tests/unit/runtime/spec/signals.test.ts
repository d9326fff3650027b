import { describe, expect, test } from "bun:test";
import { parseSignal } from "../../../../runtime/spec/signals.ts";

describe("parseSignal()", () => {
  test("accepts a name with or without SIG, in any case, and a number", () => {
    for (const s of ["KILL", "SIGKILL", "kill", "sigkill", "9", 9]) expect(parseSignal(s)).toBe(9);
    expect(parseSignal("TERM")).toBe(15);
    expect(parseSignal("HUP")).toBe(1);
    expect(parseSignal("CHLD")).toBe(17);
    expect(parseSignal("USR1")).toBe(10);
    expect(parseSignal("SIGWINCH")).toBe(28);
    expect(parseSignal("SYS")).toBe(31);
  });

  test("knows the real-time signals as the C library numbers them", () => {
    expect(parseSignal("RTMIN")).toBe(34);
    expect(parseSignal("SIGRTMIN+3")).toBe(37);
    expect(parseSignal("RTMAX-1")).toBe(63);
    expect(parseSignal("RTMAX")).toBe(64);
  });

  test("rejects 0, numbers above 64 and unknown names, quoting the input", () => {
    expect(() => parseSignal("0")).toThrow("Unknown signal: '0'");
    expect(() => parseSignal(65)).toThrow("Unknown signal: '65'");
    expect(() => parseSignal("SIGFOO")).toThrow("Unknown signal: 'SIGFOO'");
    expect(() => parseSignal("-9")).toThrow("Unknown signal: '-9'");
    expect(() => parseSignal("RTMIN+31")).toThrow("Unknown signal: 'RTMIN+31'");
  });
});
