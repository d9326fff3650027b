import { describe, expect, test } from "bun:test";
import { Assembler, OP } from "../../../../runtime/seccomp/bpf.ts";
import { checkProgram, decodeProgram, verdict } from "./bpf-interpreter.ts";

/** `n` loads: filler that moves a target away. */
const filler = (asm: Assembler, n: number): void => {
  for (let i = 0; i < n; i++) asm.load(0);
};

describe("Assembler", () => {
  test("resolves near jumps to 8-bit offsets without trampolines", () => {
    const asm = new Assembler();
    const yes = asm.label();
    asm.load(0);
    asm.jumpIf(OP.JEQ, 7, yes);
    asm.ret(1);
    asm.place(yes);
    asm.ret(2);
    const insns = decodeProgram(asm.assemble());
    expect(insns.map((i) => [i.code, i.jt, i.jf])).toEqual([[0x20, 0, 0], [0x15, 1, 0], [0x06, 0, 0], [0x06, 0, 0]]);
    expect(verdict(asm.assemble(), { nr: 7, arch: 0 })).toBe(2);
    expect(verdict(asm.assemble(), { nr: 8, arch: 0 })).toBe(1);
  });

  test("reaches a target beyond 255 instructions through a ja trampoline, on either branch", () => {
    for (const far of ["jt", "jf"] as const) {
      const asm = new Assembler();
      const a = asm.label();
      const b = asm.label();
      asm.load(0);
      asm.branch(OP.JGE, 10, far === "jt" ? b : a, far === "jt" ? a : b);
      asm.place(a);
      asm.ret(1);
      filler(asm, 300);
      asm.place(b);
      asm.ret(2);
      const program = asm.assemble();
      const insns = decodeProgram(program);
      checkProgram(insns);
      expect(insns.filter((i) => i.code === OP.JA)).toHaveLength(1);
      expect(verdict(program, { nr: 11, arch: 0 })).toBe(far === "jt" ? 2 : 1);
      expect(verdict(program, { nr: 9, arch: 0 })).toBe(far === "jt" ? 1 : 2);
    }
  });

  test("gives both branches trampolines when both are far", () => {
    const asm = new Assembler();
    const a = asm.label();
    const b = asm.label();
    asm.load(0);
    asm.branch(OP.JEQ, 1, a, b);
    filler(asm, 260);
    asm.place(a);
    asm.ret(1);
    filler(asm, 260);
    asm.place(b);
    asm.ret(2);
    const program = asm.assemble();
    expect(decodeProgram(program).slice(1, 4).map((i) => i.code)).toEqual([OP.JEQ, OP.JA, OP.JA]);
    expect([verdict(program, { nr: 1, arch: 0 }), verdict(program, { nr: 0, arch: 0 })]).toEqual([1, 2]);
  });

  test("re-checks jumps that an inserted trampoline pushed out of range", () => {
    const asm = new Assembler();
    const near = asm.label();
    const far = asm.label();
    asm.load(0);
    // Exactly 255 instructions away until the trampoline of the jump below lands in between.
    asm.jumpIf(OP.JEQ, 1, near);
    asm.jumpIf(OP.JEQ, 2, far);
    filler(asm, 254);
    asm.place(near);
    asm.ret(1);
    filler(asm, 10);
    asm.place(far);
    asm.ret(2);
    const program = asm.assemble();
    checkProgram(decodeProgram(program));
    // 3 matches neither and runs through the filler into `near`.
    expect([1, 2, 3].map((nr) => verdict(program, { nr, arch: 0 }))).toEqual([1, 2, 1]);
    expect(decodeProgram(program).filter((i) => i.code === OP.JA)).toHaveLength(2);
  });

  test("refuses a label that is never placed or lies behind its jump", () => {
    const unplaced = new Assembler();
    unplaced.jumpIf(OP.JEQ, 1, unplaced.label());
    expect(() => unplaced.assemble()).toThrow("never placed");
    const back = new Assembler();
    const l = back.label();
    back.place(l);
    back.jumpIf(OP.JEQ, 1, l);
    expect(() => back.assemble()).toThrow("only jumps forward");
  });
});
