// The cgroup v2 device filter: a BPF_PROG_TYPE_CGROUP_DEVICE program assembled here, with runc's semantics.
// The emulator reduces the rules to a default plus non-overlapping exceptions; the program checks each exception in
// turn and returns its verdict on the first match, else the default. Its context is struct bpf_cgroup_dev_ctx
// { u32 access_type (access << 16 | type); u32 major; u32 minor; }.
import { BPF_INSN_SIZE } from "../../../ffi/bpf.ts";
import { DeviceEmulator } from "./emulator.ts";
import type { DeviceRule } from "./rules.ts";

/** bpf(2) wants a license string; the kernel only checks it for GPL-only helpers, which this program does not call. */
export const DEVICE_FILTER_LICENSE = "Apache-2.0";

// Opcodes (class | operation | source) of the few instructions used.
export const OP = {
  LDX_MEM_W: 0x61, // dst = *(u32 *)(src + off)
  AND32_K: 0x54,
  RSH32_K: 0x74,
  MOV32_X: 0xbc,
  MOV32_K: 0xb4,
  JNE_K: 0x55, // if dst != imm goto pc + 1 + off
  JNE_X: 0x5d, // if dst != src goto pc + 1 + off
  EXIT: 0x95,
} as const;

// BPF_DEVCG_DEV_* and BPF_DEVCG_ACC_* of the kernel's uapi.
export const DEV_TYPE = { b: 1, c: 2 } as const;
export const ACC = { m: 1, r: 2, w: 4 } as const;

export interface Insn {
  op: number;
  dst: number;
  src: number;
  off: number;
  imm: number;
}

const I = (op: number, dst: number, src: number, off: number, imm: number): Insn => ({ op, dst, src, off, imm });

// R1 holds the context; the prologue spreads it into R2 (type), R3 (access), R4 (major), R5 (minor).
const PROLOGUE: Insn[] = [
  I(OP.LDX_MEM_W, 2, 1, 0, 0),
  I(OP.AND32_K, 2, 0, 0, 0xffff),
  I(OP.LDX_MEM_W, 3, 1, 0, 0),
  I(OP.RSH32_K, 3, 0, 0, 16),
  I(OP.LDX_MEM_W, 4, 1, 4, 0),
  I(OP.LDX_MEM_W, 5, 1, 8, 0),
];

const verdict = (allow: boolean): Insn[] => [I(OP.MOV32_K, 0, 0, 0, allow ? 1 : 0), I(OP.EXIT, 0, 0, 0, 0)];

/** One exception: jumps past itself (to the next block) unless type, access, major and minor all match. */
const block = (r: DeviceRule): Insn[] => {
  if (r.type === "a") throw new Error("Assembling the device filter: an 'a' rule cannot be an exception");
  const access = [...r.access].reduce((acc, c) => acc | ACC[c as keyof typeof ACC], 0);
  const NEXT = -1; // patched below: the jump target is the end of this block
  const body: Insn[] = [I(OP.JNE_K, 2, 0, NEXT, DEV_TYPE[r.type])];
  // Access is a subset check, (access & allowed) == access, done in R1; skipped when all three are allowed.
  if (access !== 7) body.push(I(OP.MOV32_X, 1, 3, 0, 0), I(OP.AND32_K, 1, 0, 0, access), I(OP.JNE_X, 1, 3, NEXT, 0));
  if (r.major >= 0) body.push(I(OP.JNE_K, 4, 0, NEXT, r.major));
  if (r.minor >= 0) body.push(I(OP.JNE_K, 5, 0, NEXT, r.minor));
  body.push(...verdict(r.allow));
  return body.map((insn, i) => (insn.off === NEXT ? { ...insn, off: body.length - i - 1 } : insn));
};

/** The program's instructions for these rules (applied in order, cgroup v1 semantics). */
export const deviceFilterInsns = (rules: readonly DeviceRule[]): Insn[] => {
  const emu = DeviceEmulator.of(rules);
  return [...PROLOGUE, ...emu.rules().flatMap(block), ...verdict(emu.defaultAllow)];
};

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
