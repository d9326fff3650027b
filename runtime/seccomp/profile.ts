// linux.seccomp resolved for one machine, as libseccomp (through runc) would build it: actions as SECCOMP_RET values,
// syscall names as numbers per architecture, and per syscall the rules in the order the filter tests them.
import type { Arch } from "../../ffi/arch.ts";
import { SECCOMP_FILTER_FLAG, SECCOMP_RET } from "../../ffi/constants.ts";
import type { LinuxSeccomp } from "../spec/config.ts";
import { ARCHES_OF, SECCOMP_FLAGS, type SeccompActionName, type SeccompArchName, type SeccompOperatorName } from "../spec/seccomp-names.ts";
import { exactInteger, InvalidDocumentError } from "../spec/json-text.ts";
import { SECCOMP_ARCH, syscallTable, type SeccompArch } from "./arches.ts";

const EPERM = 1;
const U64_MAX = 0xffff_ffff_ffff_ffffn;

/** One argument test. For SCMP_CMP_MASKED_EQ `mask` is the spec's `value` and `value` its `valueTwo`, masked. */
export interface Condition {
  arg: number;
  op: SeccompOperatorName;
  value: bigint;
  mask: bigint;
}

export interface Rule {
  /** ANDed, by argument index. */
  conditions: Condition[];
  action: number;
}

/** What one syscall gets: an action, or rules tested in order, the first match deciding (else the default action). */
export type Verdict = number | Rule[];

export interface ArchFilter {
  arch: SeccompArch;
  syscalls: Map<number, Verdict>;
}

export interface SeccompProfile {
  defaultAction: number;
  /** The running machine's architecture first, then the listed ones its kernel can run. */
  arches: ArchFilter[];
  /** SECCOMP_FILTER_FLAG_* for seccomp(2), NEW_LISTENER included when a rule notifies. */
  flags: number;
  notifies: boolean;
  /** Names none of the filter's syscall tables has: skipped, as runc and crun do. */
  skipped: string[];
  /** Listed architectures this machine's kernel never runs: nothing to filter for them. */
  foreign: string[];
}

const actionValue = (name: SeccompActionName, errnoRet: number | undefined): number => {
  switch (name) {
    case "SCMP_ACT_KILL":
    case "SCMP_ACT_KILL_THREAD":
      return SECCOMP_RET.KILL_THREAD;
    case "SCMP_ACT_KILL_PROCESS":
      return SECCOMP_RET.KILL_PROCESS;
    case "SCMP_ACT_TRAP":
      return SECCOMP_RET.TRAP;
    case "SCMP_ACT_ERRNO":
      return SECCOMP_RET.ERRNO | (errnoRet ?? EPERM);
    case "SCMP_ACT_TRACE":
      return SECCOMP_RET.TRACE | (errnoRet ?? EPERM);
    case "SCMP_ACT_ALLOW":
      return SECCOMP_RET.ALLOW;
    case "SCMP_ACT_LOG":
      return SECCOMP_RET.LOG;
    case "SCMP_ACT_NOTIFY":
      return SECCOMP_RET.USER_NOTIF;
  }
};

type Arg = NonNullable<NonNullable<LinuxSeccomp["syscalls"]>[number]["args"]>[number];

const exact = (arg: Arg, key: "value" | "valueTwo", pointer: string): bigint => {
  if (arg[key] === undefined) return 0n;
  const v = exactInteger(arg, key);
  if (v > U64_MAX) throw new InvalidDocumentError("config.json", `${pointer}/${key}`, "Above 2^64 - 1");
  return v;
};

/** A 32-bit ABI's arguments are 32 bits: libseccomp compares the low word only. */
const condition = (arg: Arg, pointer: string, bits: 32 | 64): Condition => {
  const width = bits === 64 ? U64_MAX : 0xffff_ffffn;
  const value = exact(arg, "value", pointer) & width;
  if (arg.op !== "SCMP_CMP_MASKED_EQ") return { arg: arg.index, op: arg.op, value, mask: width };
  return { arg: arg.index, op: arg.op, value: exact(arg, "valueTwo", pointer) & value, mask: value };
};

/**
 * The rules one syscalls[] entry makes: its conditions ANDed, or, when it tests an argument twice, one rule per
 * condition (runc's fallback, libseccomp refusing a repeated argument). A masked test with an empty mask always holds
 * and is dropped, as libseccomp drops it; a rule left without conditions is unconditional.
 */
const conditionSets = (args: readonly Arg[], at: string, bits: 32 | 64): Condition[][] => {
  const all = args.map((a, j) => condition(a, `${at}/args/${j}`, bits));
  const repeated = new Set(all.map((c) => c.arg)).size < all.length;
  const sets = repeated ? all.map((c) => [c]) : [[...all].sort((a, b) => a.arg - b.arg)];
  return sets.map((set) => set.filter((c) => !(c.op === "SCMP_CMP_MASKED_EQ" && c.mask === 0n)));
};

const OP_CLASS: Record<SeccompOperatorName, number> = {
  SCMP_CMP_EQ: 3,
  SCMP_CMP_NE: 3,
  SCMP_CMP_MASKED_EQ: 3,
  SCMP_CMP_LT: 2,
  SCMP_CMP_LE: 2,
  SCMP_CMP_GT: 1,
  SCMP_CMP_GE: 1,
};

/**
 * libseccomp's order of the tests on one level of its decision tree (db.c): the higher argument first, then equality
 * tests, then < and <=, then > and >=; then the larger value (the smaller for < and <=). Rules tie in profile order.
 */
const compareConditions = (a: Condition, b: Condition): number => {
  if (a.arg !== b.arg) return b.arg - a.arg;
  if (OP_CLASS[a.op] !== OP_CLASS[b.op]) return OP_CLASS[b.op] - OP_CLASS[a.op];
  if (a.value === b.value) return 0;
  const smallerFirst = a.op === "SCMP_CMP_LT" || a.op === "SCMP_CMP_LE";
  return (smallerFirst ? a.value < b.value : a.value > b.value) ? -1 : 1;
};

/** A rule that is a prefix of another comes first: libseccomp keeps the shorter chain. */
const compareRules = (a: Rule, b: Rule): number => {
  for (let i = 0; i < Math.min(a.conditions.length, b.conditions.length); i++) {
    const c = compareConditions(a.conditions[i]!, b.conditions[i]!);
    if (c !== 0) return c;
  }
  return a.conditions.length - b.conditions.length;
};

const filterArches = (listed: readonly string[], machine: Arch): { arches: SeccompArch[]; foreign: string[] } => {
  const { native, also } = ARCHES_OF[machine];
  const names = [...new Set([native, ...listed])];
  const here = (n: string): n is SeccompArchName => n === native || (also as readonly string[]).includes(n);
  return { arches: names.filter(here).map((n) => SECCOMP_ARCH[n]), foreign: names.filter((n) => !here(n)) };
};

/** Resolves a validated linux.seccomp (see config.ts for its rules) for a machine of architecture `machine`. */
export const resolveProfile = (s: LinuxSeccomp, machine: Arch): SeccompProfile => {
  const defaultAction = actionValue(s.defaultAction, s.defaultErrnoRet);
  const { arches, foreign } = filterArches(s.architectures ?? [], machine);
  // Per architecture and syscall, with libseccomp's precedence: the first unconditional rule's action, which no rule
  // changes after it and which overrides every conditional one; else the conditional rules.
  const verdicts = arches.map(() => new Map<number, Verdict>());
  const tables = arches.map((a) => syscallTable(a.name));
  const skipped = new Set<string>();
  let notifies = false;
  s.syscalls?.forEach((entry, i) => {
    const action = actionValue(entry.action, entry.errnoRet);
    // Redundant with the default action: runc leaves such rules out (libseccomp refuses them).
    const redundant = action === defaultAction;
    // As libseccomp, a notifying rule asks for a listener even where an earlier rule decides first.
    if (!redundant && action === SECCOMP_RET.USER_NOTIF) notifies = true;
    const sets: Partial<Record<32 | 64, Condition[][]>> = {};
    const setsFor = (bits: 32 | 64): Condition[][] => (sets[bits] ??= conditionSets(entry.args ?? [], `/linux/seccomp/syscalls/${i}`, bits));
    for (const name of entry.names) {
      let known = false;
      for (let a = 0; a < arches.length; a++) {
        const nr = tables[a]!.get(name);
        if (nr === undefined) continue;
        known = true;
        const decided = verdicts[a]!.get(nr);
        if (redundant || typeof decided === "number") continue;
        const list = decided ?? [];
        verdicts[a]!.set(nr, list);
        for (const conditions of setsFor(arches[a]!.bits)) {
          if (conditions.length === 0) {
            verdicts[a]!.set(nr, action);
            break;
          }
          list.push({ conditions, action });
        }
      }
      if (!known) skipped.add(name);
    }
  });
  for (const v of verdicts) for (const rules of v.values()) if (typeof rules !== "number") rules.sort(compareRules);
  const filters = arches.map((arch, a) => ({ arch, syscalls: verdicts[a]! }));
  let flags = (s.flags ?? []).reduce((f, n) => f | SECCOMP_FLAGS[n], 0);
  if (notifies) {
    flags |= SECCOMP_FILTER_FLAG.NEW_LISTENER;
    // The kernel takes TSYNC with a listener only when a failed sync reports ESRCH (libseccomp does the same).
    if (flags & SECCOMP_FILTER_FLAG.TSYNC) flags |= SECCOMP_FILTER_FLAG.TSYNC_ESRCH;
  } else flags &= ~SECCOMP_FILTER_FLAG.WAIT_KILLABLE_RECV; // it only qualifies a listener's wait
  return { defaultAction, arches: filters, flags, notifies, skipped: [...skipped], foreign };
};
