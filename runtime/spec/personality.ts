// linux.personality: the spec's domain (LINUX, LINUX32) and flags -> the persona personality(2) takes. The spec
// defines no flag names yet; bunker takes the kernel's (linux/personality.h: ADDR_NO_RANDOMIZE, ...).
import { PER, PER_FLAG } from "../../ffi/constants.ts";
import { nameTable } from "./name-table.ts";
import type { Problem } from "./problem.ts";

const domains = nameTable("", PER, "personality domain");
const flags = nameTable("", PER_FLAG, "personality flag");

export const PERSONALITY_FLAG_NAMES = flags.names;

export const personalityProblems = (p: { domain: string; flags?: string[] }, at: string): Problem[] =>
  (p.flags ?? []).flatMap((f, i) =>
    flags.has(f) ? [] : [{ pointer: `${at}/flags/${i}`, detail: `Unknown personality flag '${f}' (known: ${flags.names.join(", ")})` }],
  );

export const persona = (p: { domain: string; flags?: string[] }): number =>
  (p.flags ?? []).reduce((m, f) => m | flags.number(f), domains.number(p.domain));
