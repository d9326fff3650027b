// A classic BPF assembler for seccomp filters: forward jumps to labels, laid out so that every conditional jump fits
// its 8-bit offsets. A target further than 255 instructions is reached through an inserted `ja` (32-bit offset),
// repeated until no offset overflows (inserting only lengthens jumps, so this ends). Flat arrays, no per-instruction
// objects: the parent compiles on every container start, in cold code.

/** struct sock_filter { u16 code; u8 jt; u8 jf; u32 k; }, little-endian (x86_64, aarch64 and their compat ABIs). */
export const INSN_SIZE = 8;
/** BPF_MAXINSNS: the kernel refuses longer programs. */
export const MAX_INSNS = 4096;
const MAX_OFFSET = 255;

export const OP = {
  LD_ABS: 0x20, // BPF_LD | BPF_W | BPF_ABS
  AND: 0x54, // BPF_ALU | BPF_AND | BPF_K
  JA: 0x05, // BPF_JMP | BPF_JA
  JEQ: 0x15, // BPF_JMP | BPF_JEQ | BPF_K
  JGT: 0x25, // BPF_JMP | BPF_JGT | BPF_K
  JGE: 0x35, // BPF_JMP | BPF_JGE | BPF_K
  RET: 0x06, // BPF_RET | BPF_K
} as const;

export type Label = number;
export type Test = typeof OP.JEQ | typeof OP.JGT | typeof OP.JGE;

/** A jump target meaning "the instruction after this one". */
const NEXT = -1;
const NONE = -2;

export class Assembler {
  private readonly codes: number[] = [];
  private readonly ks: number[] = [];
  private readonly jts: number[] = [];
  private readonly jfs: number[] = [];
  /** Per label: the index of the instruction it points to. */
  private readonly targets: number[] = [];

  label(): Label {
    this.targets.push(-1);
    return this.targets.length - 1;
  }

  /** Marks where `label` points: the next instruction emitted. */
  place(label: Label): void {
    this.targets[label] = this.codes.length;
  }

  private emit(code: number, k: number, jt: number, jf: number): void {
    this.codes.push(code);
    this.ks.push(k >>> 0);
    this.jts.push(jt);
    this.jfs.push(jf);
  }

  load(offset: number): void {
    this.emit(OP.LD_ABS, offset, NONE, NONE);
  }

  and(mask: number): void {
    this.emit(OP.AND, mask, NONE, NONE);
  }

  ret(value: number): void {
    this.emit(OP.RET, value, NONE, NONE);
  }

  /** if (A <test> k) goto jt else goto jf; unsigned 32-bit comparisons. */
  branch(test: Test, k: number, jt: Label, jf: Label): void {
    this.emit(test, k, jt, jf);
  }

  /** if (A <test> k) goto target, else on to the next instruction. */
  jumpIf(test: Test, k: number, target: Label): void {
    this.emit(test, k, target, NEXT);
  }

  /** if !(A <test> k) goto target, else on to the next instruction. */
  jumpUnless(test: Test, k: number, target: Label): void {
    this.emit(test, k, NEXT, target);
  }

  /** The program's bytes: labels resolved, far targets reached through trampolines. */
  assemble(): Uint8Array {
    const n = this.codes.length;
    // Per instruction: 1 = its jt goes through a trampoline right after it, 2 = its jf (after jt's, if both).
    const far = new Uint8Array(n);
    const pc = new Int32Array(n + 1);
    const target = (label: number, i: number): number => {
      if (label === NEXT) return pc[i + 1]!;
      const at = this.targets[label];
      if (at === undefined || at < 0) throw new Error(`BPF label ${label} was never placed`);
      if (at <= i) throw new Error(`BPF jump from instruction ${i} to ${at}: classic BPF only jumps forward`);
      return pc[at]!;
    };
    for (let grew = true; grew; ) {
      for (let i = 0; i < n; i++) pc[i + 1] = pc[i]! + 1 + (far[i]! & 1) + (far[i]! >> 1);
      grew = false;
      for (let i = 0; i < n; i++) {
        if (this.jts[i] === NONE) continue;
        const after = pc[i]! + 1;
        if (!(far[i]! & 1) && target(this.jts[i]!, i) - after > MAX_OFFSET) (far[i] = far[i]! | 1), (grew = true);
        if (!(far[i]! & 2) && target(this.jfs[i]!, i) - after > MAX_OFFSET) (far[i] = far[i]! | 2), (grew = true);
      }
    }
    const bytes = new Uint8Array(pc[n]! * INSN_SIZE);
    const view = new DataView(bytes.buffer);
    const put = (at: number, code: number, jt: number, jf: number, k: number): void => {
      view.setUint16(at * INSN_SIZE, code, true);
      view.setUint8(at * INSN_SIZE + 2, jt);
      view.setUint8(at * INSN_SIZE + 3, jf);
      view.setUint32(at * INSN_SIZE + 4, k >>> 0, true);
    };
    for (let i = 0; i < n; i++) {
      const at = pc[i]!;
      if (this.jts[i] === NONE) {
        put(at, this.codes[i]!, 0, 0, this.ks[i]!);
        continue;
      }
      const t = target(this.jts[i]!, i);
      const f = target(this.jfs[i]!, i);
      const farT = far[i]! & 1;
      const farF = far[i]! >> 1;
      // Trampolines follow the jump: jt's first, then jf's.
      put(at, this.codes[i]!, farT ? 0 : t - (at + 1), farF ? farT : f - (at + 1), this.ks[i]!);
      if (farT) put(at + 1, OP.JA, 0, 0, t - (at + 2));
      if (farF) put(at + 1 + farT, OP.JA, 0, 0, f - (at + 2 + farT));
    }
    return bytes;
  }
}
