// The cgroup v2 device filter: a BPF_PROG_TYPE_CGROUP_DEVICE program assembled here, with runc's semantics.
// The emulator reduces the rules to a default plus non-overlapping exceptions; the program checks each exception in
// turn and returns its verdict on the first match, else the default. Its context is struct bpf_cgroup_dev_ctx
// { u32 access_type (access << 16 | type); u32 major; u32 minor; }.
import { Assembler, I, OP, verdict, type Insn } from "../../bpf/asm.ts";
import { DeviceEmulator } from "./emulator.ts";
import type { DeviceRule } from "./rules.ts";

/** bpf(2) wants a license string; the kernel only checks it for GPL-only helpers, which this program does not call. */
export const DEVICE_FILTER_LICENSE = "Apache-2.0";

// BPF_DEVCG_DEV_* and BPF_DEVCG_ACC_* of the kernel's uapi.
export const DEV_TYPE = { b: 1, c: 2 } as const;
export const ACC = { m: 1, r: 2, w: 4 } as const;

// R1 holds the context; the prologue spreads it into R2 (type), R3 (access), R4 (major), R5 (minor).
const PROLOGUE: Insn[] = [
  I(OP.LDX_MEM_W, 2, 1, 0, 0),
  I(OP.AND32_K, 2, 0, 0, 0xffff),
  I(OP.LDX_MEM_W, 3, 1, 0, 0),
  I(OP.RSH32_K, 3, 0, 0, 16),
  I(OP.LDX_MEM_W, 4, 1, 4, 0),
  I(OP.LDX_MEM_W, 5, 1, 8, 0),
];

/** One exception: jumps past itself (to the next block) unless type, access, major and minor all match. */
const block = (a: Assembler, r: DeviceRule): void => {
  if (r.type === "a") throw new Error("Assembling the device filter: an 'a' rule cannot be an exception");
  const access = [...r.access].reduce((acc, c) => acc | ACC[c as keyof typeof ACC], 0);
  const next = a.fresh("next");
  a.jump(OP.JNE_K, 2, DEV_TYPE[r.type], next);
  // Access is a subset check, (access & allowed) == access, done in R1; skipped when all three are allowed.
  if (access !== 7) a.emit(I(OP.MOV32_X, 1, 3, 0, 0), I(OP.AND32_K, 1, 0, 0, access)).jump(OP.JNE_X, 1, 0, next, 3);
  if (r.major >= 0) a.jump(OP.JNE_K, 4, r.major, next);
  if (r.minor >= 0) a.jump(OP.JNE_K, 5, r.minor, next);
  a.emit(...verdict(r.allow)).label(next);
};

/** The program's instructions for these rules (applied in order, cgroup v1 semantics). */
export const deviceFilterInsns = (rules: readonly DeviceRule[]): Insn[] => {
  const emu = DeviceEmulator.of(rules);
  const a = new Assembler().emit(...PROLOGUE);
  for (const r of emu.rules()) block(a, r);
  return a.emit(...verdict(emu.defaultAllow)).finish();
};
