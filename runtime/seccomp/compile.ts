// The classic BPF program of a resolved profile. Layout: the architecture check (a call from an architecture the
// filter does not cover is killed, KILL_PROCESS), then per architecture a binary search over intervals of syscall
// numbers that share a verdict, each verdict right where the search ends, so that jumps stay short on any profile.
import type { Arch } from "../../ffi/arch.ts";
import { SECCOMP_RET } from "../../ffi/constants.ts";
import type { LinuxSeccomp } from "../spec/config.ts";
import { X32_SYSCALL_BIT } from "./arches.ts";
import { Assembler, INSN_SIZE, MAX_INSNS, OP, type Label, type Test } from "./bpf.ts";
import { resolveProfile, type ArchFilter, type Condition, type Rule, type SeccompProfile, type Verdict } from "./profile.ts";

/** struct seccomp_data { int nr; u32 arch; u64 instruction_pointer; u64 args[6]; }, little-endian. */
const NR = 0;
const ARCH = 4;
const argLo = (i: number): number => 16 + 8 * i;
const argHi = (i: number): number => 20 + 8 * i;

/** A syscall from an architecture the filter does not cover (libseccomp's bad-arch action, here for the process). */
const BAD_ARCH_ACTION = SECCOMP_RET.KILL_PROCESS;

const hi = (v: bigint): number => Number(v >> 32n);
const lo = (v: bigint): number => Number(v & 0xffff_ffffn);

/** Per operator: the 32-bit test that decides on the low word, and whether its truth means the condition holds. */
const LOW_WORD: Record<Exclude<Condition["op"], "SCMP_CMP_MASKED_EQ">, [Test, boolean]> = {
  SCMP_CMP_EQ: [OP.JEQ, true],
  SCMP_CMP_NE: [OP.JEQ, false],
  SCMP_CMP_GT: [OP.JGT, true],
  SCMP_CMP_GE: [OP.JGE, true],
  SCMP_CMP_LT: [OP.JGE, false],
  SCMP_CMP_LE: [OP.JGT, false],
};

/** Tests one condition: falls through when it holds, jumps to `fail` when it does not. */
const emitCondition = (asm: Assembler, c: Condition, bits: 32 | 64, fail: Label): void => {
  const pass = asm.label();
  if (c.op === "SCMP_CMP_MASKED_EQ") {
    const halves: [number, number, number][] = [[argLo(c.arg), lo(c.mask), lo(c.value)]];
    if (bits === 64) halves.unshift([argHi(c.arg), hi(c.mask), hi(c.value)]);
    // A half of the mask that is empty tests nothing.
    for (const [offset, mask, value] of halves.filter(([, m]) => m !== 0)) {
      asm.load(offset);
      if (mask !== 0xffff_ffff) asm.and(mask);
      asm.jumpUnless(OP.JEQ, value, fail);
    }
  } else {
    if (bits === 64) {
      // The high words decide unless they are equal; all comparisons are unsigned, as in libseccomp.
      const lowWord = asm.label();
      asm.load(argHi(c.arg));
      if (c.op === "SCMP_CMP_EQ") asm.branch(OP.JEQ, hi(c.value), lowWord, fail);
      else if (c.op === "SCMP_CMP_NE") asm.branch(OP.JEQ, hi(c.value), lowWord, pass);
      else {
        const greater = c.op === "SCMP_CMP_GT" || c.op === "SCMP_CMP_GE";
        const notAbove = asm.label();
        asm.branch(OP.JGT, hi(c.value), greater ? pass : fail, notAbove);
        asm.place(notAbove);
        asm.branch(OP.JEQ, hi(c.value), lowWord, greater ? fail : pass);
      }
      asm.place(lowWord);
    }
    const [test, holds] = LOW_WORD[c.op];
    asm.load(argLo(c.arg));
    asm.branch(test, lo(c.value), holds ? pass : fail, holds ? fail : pass);
  }
  asm.place(pass);
};

const emitRules = (asm: Assembler, rules: Rule[], bits: 32 | 64, defaultAction: number): void => {
  for (const rule of rules) {
    const next = asm.label();
    for (const c of rule.conditions) emitCondition(asm, c, bits, next);
    asm.ret(rule.action);
    asm.place(next);
  }
  asm.ret(defaultAction);
};

interface Entry {
  nr: number;
  verdict: Verdict;
  bits: 32 | 64;
}

/** A run of syscall numbers from `start` up to the next interval's start, all with one verdict. */
interface Interval {
  start: number;
  verdict: Verdict;
  bits: 32 | 64;
}

/**
 * The numbers as intervals: consecutive numbers with one action share an interval, the numbers between listed ones
 * have the default. Allow lists are mostly runs, so this is far smaller than one test per syscall.
 */
const intervals = (entries: Entry[], defaultAction: number): Interval[] => {
  const out: Interval[] = [{ start: 0, verdict: defaultAction, bits: 64 }];
  // Rule chains are per syscall: only plain actions share an interval.
  const sameAction = (a: Verdict, b: Verdict): boolean => typeof a === "number" && a === b;
  const push = (i: Interval): void => {
    // An interval that would be empty (the default between two consecutive entries) goes.
    if (out[out.length - 1]!.start === i.start) out.pop();
    const prev = out[out.length - 1];
    if (!prev || !sameAction(prev.verdict, i.verdict)) out.push(i);
  };
  for (const e of entries) {
    push({ start: e.nr, verdict: e.verdict, bits: e.bits });
    if (e.nr < 0xffff_ffff) push({ start: e.nr + 1, verdict: defaultAction, bits: 64 });
  }
  return out;
};

const emitInterval = (asm: Assembler, i: Interval, defaultAction: number): void => {
  if (typeof i.verdict === "number") asm.ret(i.verdict);
  else emitRules(asm, i.verdict, i.bits, defaultAction);
};

/** A binary search over the starts of list[from, to): log2(intervals) range tests, then the verdict right there. */
const emitSearch = (asm: Assembler, list: Interval[], from: number, to: number, defaultAction: number): void => {
  if (to - from === 1) return emitInterval(asm, list[from]!, defaultAction);
  const mid = (from + to) >> 1;
  const high = asm.label();
  asm.jumpIf(OP.JGE, list[mid]!.start, high);
  emitSearch(asm, list, from, mid, defaultAction);
  asm.place(high);
  emitSearch(asm, list, mid, to, defaultAction);
};

/**
 * The syscalls of the architectures sharing one AUDIT_ARCH value: x86_64 and x32 tell theirs apart by bit 30 of nr (the
 * running machine's architecture is always in the filter, so x32 never comes without x86_64).
 */
const emitArch = (asm: Assembler, filters: ArchFilter[], defaultAction: number): void => {
  const names = filters.map((f) => f.arch.name);
  const x86_64 = names.includes("SCMP_ARCH_X86_64");
  const x32 = names.includes("SCMP_ARCH_X32");
  asm.load(NR);
  const dispatch = asm.label();
  if (x86_64 && !x32) {
    // x32 calls are not x86_64 calls; nr -1 (a tracer skipping a call, see seccomp(2)) is neither.
    const above = asm.label();
    const bad = asm.label();
    asm.branch(OP.JGE, X32_SYSCALL_BIT, above, dispatch);
    asm.place(above);
    asm.branch(OP.JEQ, 0xffff_ffff, dispatch, bad);
    asm.place(bad);
    asm.ret(BAD_ARCH_ACTION);
  }
  asm.place(dispatch);
  // A typed array sorts natively: the parent compiles in cold code, on every container start.
  const numbers = new Uint32Array(filters.reduce((n, f) => n + f.syscalls.size, 0));
  let k = 0;
  for (const f of filters) for (const nr of f.syscalls.keys()) numbers[k++] = nr;
  const entries = Array.from(numbers.sort(), (nr): Entry => {
    const f = filters.find((x) => x.syscalls.has(nr))!;
    return { nr, verdict: f.syscalls.get(nr)!, bits: f.arch.bits };
  });
  const list = intervals(entries, defaultAction);
  emitSearch(asm, list, 0, list.length, defaultAction);
};

/** The program for seccomp(2): struct sock_filter[] as bytes. */
const compileFilter = (profile: SeccompProfile): Uint8Array => {
  const asm = new Assembler();
  const groups = new Map<number, ArchFilter[]>();
  for (const f of profile.arches) groups.set(f.arch.audit, [...(groups.get(f.arch.audit) ?? []), f]);
  const blocks = [...groups.keys()].map(() => asm.label());
  asm.load(ARCH);
  [...groups.keys()].forEach((audit, i) => asm.jumpIf(OP.JEQ, audit, blocks[i]!));
  asm.ret(BAD_ARCH_ACTION);
  [...groups.values()].forEach((filters, i) => {
    asm.place(blocks[i]!);
    emitArch(asm, filters, profile.defaultAction);
  });
  const program = asm.assemble();
  const count = program.length / INSN_SIZE;
  if (count > MAX_INSNS) throw new Error(`The seccomp filter needs ${count} instructions; the kernel loads at most ${MAX_INSNS}`);
  return program;
};

export interface CompiledSeccomp {
  profile: SeccompProfile;
  program: Uint8Array;
}

/** linux.seccomp (validated) to the program and flags the setup stage loads on a machine of architecture `machine`. */
export const compileSeccomp = (s: LinuxSeccomp, machine: Arch): CompiledSeccomp => {
  const profile = resolveProfile(s, machine);
  return { profile, program: compileFilter(profile) };
};
