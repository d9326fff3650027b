// Runs eBPF instructions of the subset bunker assembles, as the kernel's interpreter would: 32-bit loads and stores
// on the context, ALU32 and JMP32 on the low 32 bits, 64-bit JNE compares against a sign-extended immediate. Any
// other opcode, a load outside the context or a program that runs off its end fails the test.
import { OP, type Insn } from "../../../../runtime/bpf/asm.ts";

export interface Run {
  r0: number;
  /** The context after the run (programs may write mark and priority). */
  ctx: Buffer;
  steps: number;
}

export const runProgram = (insns: readonly Insn[], context: Buffer): Run => {
  const ctx = Buffer.from(context);
  const r = new Array<number>(11).fill(0);
  const u32 = (v: number): number => v >>> 0;
  const at = (off: number): number => {
    if (off < 0 || off + 4 > ctx.length || off % 4) throw new Error(`load or store at context offset ${off} of ${ctx.length}`);
    return off;
  };
  for (let pc = 0, steps = 0; pc < insns.length; pc++, steps++) {
    if (steps > 100_000) throw new Error("program does not end");
    const i = insns[pc]!;
    const imm = u32(i.imm);
    switch (i.op) {
      case OP.LDX_MEM_W: if (i.src !== 1) throw new Error("load from a register other than the context"); r[i.dst] = ctx.readUInt32LE(at(i.off)); break;
      case OP.STX_MEM_W: if (i.dst !== 1) throw new Error("store to a register other than the context"); ctx.writeUInt32LE(u32(r[i.src]!), at(i.off)); break;
      case OP.AND32_K: r[i.dst] = u32(r[i.dst]! & imm); break;
      case OP.RSH32_K: r[i.dst] = r[i.dst]! >>> i.imm; break;
      case OP.MOV32_X: r[i.dst] = u32(r[i.src]!); break;
      case OP.MOV32_K: r[i.dst] = imm; break;
      case OP.BE16: if (i.imm !== 16) throw new Error("only be16"); r[i.dst] = ((r[i.dst]! & 0xff) << 8) | ((r[i.dst]! >> 8) & 0xff); break;
      // 64-bit compare: registers hold zero-extended 32-bit values here, the immediate is sign-extended.
      case OP.JNE_K: if (r[i.dst] !== i.imm) pc += i.off; break;
      case OP.JNE_X: if (r[i.dst] !== r[i.src]) pc += i.off; break;
      case OP.JEQ32_K: if (u32(r[i.dst]!) === imm) pc += i.off; break;
      case OP.JNE32_K: if (u32(r[i.dst]!) !== imm) pc += i.off; break;
      case OP.JGT32_K: if (u32(r[i.dst]!) > imm) pc += i.off; break;
      case OP.JLT32_K: if (u32(r[i.dst]!) < imm) pc += i.off; break;
      case OP.JA: pc += i.off; break;
      case OP.EXIT: return { r0: r[0]!, ctx, steps };
      default: throw new Error(`unexpected opcode 0x${i.op.toString(16)}`);
    }
  }
  throw new Error("program ran off its end");
};
