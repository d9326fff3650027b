// An assembler for the eBPF instruction subset bunker's cgroup programs use (the device filter, the socket policy):
// instructions as data, jumps to named labels resolved when the program is finished, and the kernel's encoding.
import { BPF_INSN_SIZE } from "../../ffi/bpf.ts";

// Opcodes (class | operation | source). ALU32 and JMP32 work on the low 32 bits, so an immediate such as an IPv4
// address above 2^31 compares as the unsigned value it is (a 64-bit JMP would sign-extend it).
export const OP = {
  LDX_MEM_W: 0x61, // dst = *(u32 *)(src + off)
  STX_MEM_W: 0x63, // *(u32 *)(dst + off) = src
  AND32_K: 0x54,
  RSH32_K: 0x74,
  MOV32_X: 0xbc,
  MOV32_K: 0xb4,
  /** dst = htobe16(dst): on these little-endian machines, swaps the two low bytes (a port in network order). */
  BE16: 0xdc,
  JNE_K: 0x55, // if dst != imm goto pc + 1 + off
  JNE_X: 0x5d, // if dst != src goto pc + 1 + off
  JEQ32_K: 0x16,
  JNE32_K: 0x56,
  JGT32_K: 0x26,
  JLT32_K: 0xa6,
  JA: 0x05,
  EXIT: 0x95,
} as const;

const JUMPS: ReadonlySet<number> = new Set([OP.JNE_K, OP.JNE_X, OP.JEQ32_K, OP.JNE32_K, OP.JGT32_K, OP.JLT32_K, OP.JA]);
export const isJump = (op: number): boolean => JUMPS.has(op);

export interface Insn {
  op: number;
  dst: number;
  src: number;
  off: number;
  imm: number;
}

export const I = (op: number, dst: number, src: number, off: number, imm: number): Insn => ({ op, dst, src, off, imm });

/** r0 = verdict; exit. */
export const verdict = (allow: boolean): Insn[] => [I(OP.MOV32_K, 0, 0, 0, allow ? 1 : 0), I(OP.EXIT, 0, 0, 0, 0)];

/** A program being written: instructions, and jumps whose targets are labels placed later (or earlier). */
export class Assembler {
  private readonly insns: Insn[] = [];
  private readonly labels = new Map<string, number>();
  private readonly fixups: { at: number; label: string }[] = [];
  private next = 0;

  /** A label name not used before in this program. */
  fresh(prefix: string): string {
    return `${prefix}.${this.next++}`;
  }

  emit(...insns: Insn[]): this {
    this.insns.push(...insns);
    return this;
  }

  /** A conditional (or, with OP.JA, unconditional) jump to `label`. */
  jump(op: number, dst: number, imm: number, label: string, src = 0): this {
    if (!isJump(op)) throw new Error(`Assembling: opcode 0x${op.toString(16)} is not a jump`);
    this.fixups.push({ at: this.insns.length, label });
    this.insns.push(I(op, dst, src, 0, imm));
    return this;
  }

  label(name: string): this {
    if (this.labels.has(name)) throw new Error(`Assembling: label '${name}' placed twice`);
    this.labels.set(name, this.insns.length);
    return this;
  }

  finish(): Insn[] {
    for (const { at, label } of this.fixups) {
      const target = this.labels.get(label);
      if (target === undefined) throw new Error(`Assembling: jump to label '${label}', which is never placed`);
      const off = target - at - 1;
      if (off < -32768 || off > 32767) throw new Error(`Assembling: jump to '${label}' is out of range (${off})`);
      this.insns[at] = { ...this.insns[at]!, off };
    }
    return this.insns;
  }
}

/** struct bpf_insn[] as bytes (little-endian; dst in the low nibble of the second byte). */
export const encodeInsns = (insns: readonly Insn[]): Uint8Array => {
  const buf = Buffer.alloc(insns.length * BPF_INSN_SIZE);
  insns.forEach((insn, i) => {
    const o = i * BPF_INSN_SIZE;
    buf.writeUInt8(insn.op, o);
    buf.writeUInt8((insn.src << 4) | insn.dst, o + 1);
    buf.writeInt16LE(insn.off, o + 2);
    buf.writeInt32LE(insn.imm | 0, o + 4);
  });
  return buf;
};
