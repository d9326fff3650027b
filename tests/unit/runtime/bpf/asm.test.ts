import { describe, expect, test } from "bun:test";
import { Assembler, I, OP, verdict } from "../../../../runtime/bpf/asm.ts";
import { runProgram } from "./interpreter.ts";

describe("Assembler", () => {
  test("resolves a forward jump to the instruction after its label", () => {
    const a = new Assembler();
    const skip = a.fresh("skip");
    const insns = a.jump(OP.JNE32_K, 0, 7, skip).emit(...verdict(true)).label(skip).emit(...verdict(false)).finish();
    expect(insns[0]).toEqual({ op: OP.JNE32_K, dst: 0, src: 0, off: 2, imm: 7 });
    expect(runProgram(insns, Buffer.alloc(4)).r0).toBe(0);
  });

  test("resolves a backward jump", () => {
    const a = new Assembler().emit(I(OP.MOV32_K, 0, 0, 0, 1)).label("top");
    const insns = a.emit(I(OP.EXIT, 0, 0, 0, 0)).jump(OP.JA, 0, 0, "top").finish();
    expect(insns[2]!.off).toBe(-2);
  });

  test("refuses a jump to a label never placed, a label placed twice and a jump opcode that is none", () => {
    expect(() => new Assembler().jump(OP.JA, 0, 0, "nowhere").finish()).toThrow("never placed");
    expect(() => new Assembler().label("x").label("x")).toThrow("placed twice");
    expect(() => new Assembler().jump(OP.MOV32_K, 0, 0, "x")).toThrow("not a jump");
  });

  test("fresh() names never repeat within a program", () => {
    const a = new Assembler();
    expect(new Set([a.fresh("n"), a.fresh("n"), a.fresh("n")]).size).toBe(3);
  });

  test("a JMP32 compare takes an immediate above 2^31 as the unsigned value (an IPv4 address such as 192.168.0.1)", () => {
    const ctx = Buffer.alloc(4);
    ctx.writeUInt32LE(0xc0a80001, 0);
    const insns = new Assembler().emit(I(OP.LDX_MEM_W, 2, 1, 0, 0)).jump(OP.JEQ32_K, 2, 0xc0a80001, "yes").emit(...verdict(false)).label("yes").emit(...verdict(true)).finish();
    expect(runProgram(insns, ctx).r0).toBe(1);
  });
});
