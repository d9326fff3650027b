import type { FlagSpec, ParsedArgs } from "./command.ts";
import { UsageError } from "./command.ts";

/**
 * Whether `next` can be the value of a flag written as `--name value`: not another flag. A value that starts with
 * '-' is written `--name=-x`; a number flag takes negative numbers, and '-' alone is a value (stdin).
 */
export const canBeValue = (next: string, spec: Pick<FlagSpec, "kind">): boolean =>
  !next.startsWith("-") || next === "-" || (spec.kind === "int" && /^-\d+$/.test(next));

export const missingValue = (name: string, next: string | undefined): string =>
  next === undefined ? `Flag --${name} needs a value` : `Flag --${name} needs a value, not the flag '${next}' (write --${name}=${next} for a value that starts with '-')`;

/** Parses `--name value`, `--name=value`, `-n value` and boolean switches, Go-flag style as runc accepts them. */
export const parseArgs = (argv: readonly string[], specs: readonly FlagSpec[], stopAtPositional = false): ParsedArgs => {
  const flags: ParsedArgs["flags"] = {};
  const positional: string[] = [];
  const byName = new Map<string, FlagSpec>();
  for (const s of specs) {
    byName.set(s.name, s);
    if (s.short) byName.set(s.short, s);
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      positional.push(arg);
      if (stopAtPositional) {
        positional.push(...argv.slice(i + 1));
        break;
      }
      continue;
    }
    const body = arg.replace(/^--?/, "");
    const eq = body.indexOf("=");
    const name = eq < 0 ? body : body.slice(0, eq);
    const spec = byName.get(name);
    if (!spec) throw new UsageError(`Unknown flag: '${arg}'`);
    let value: string | undefined = eq < 0 ? undefined : body.slice(eq + 1);
    if (spec.kind === "bool") {
      if (value !== undefined && value !== "true" && value !== "false")
        throw new UsageError(`Flag --${spec.name} takes true or false, not '${value}'`);
      flags[spec.name] = value !== "false";
      continue;
    }
    if (value === undefined) {
      const next = argv[i + 1];
      if (next === undefined || !canBeValue(next, spec)) throw new UsageError(missingValue(spec.name, next));
      value = next;
      i++;
    }
    if (value === "") throw new UsageError(missingValue(spec.name, undefined));
    if (spec.kind === "int") {
      // Past 2^53 a number is silently rounded to another one: refused rather than passed on changed.
      if (!/^-?\d+$/.test(value) || !Number.isSafeInteger(Number(value))) throw new UsageError(`Flag --${spec.name} takes a whole number (at most 2^53-1), not '${value}'`);
      flags[spec.name] = Number(value);
    } else if (spec.kind === "list") {
      const prev = flags[spec.name];
      flags[spec.name] = [...(Array.isArray(prev) ? prev : []), value];
    } else flags[spec.name] = value;
  }
  return { flags, positional };
};

export const flagString = (a: ParsedArgs, name: string): string | undefined => {
  const v = a.flags[name];
  return typeof v === "string" ? v : undefined;
};
export const flagBool = (a: ParsedArgs, name: string): boolean => a.flags[name] === true;
/** A --journal value: a directory, or "none" for no journal (null); `fallback` when the flag is absent. */
export const journalDir = (value: string | undefined, fallback: string | null): string | null =>
  value === undefined ? fallback : value === "none" ? null : value;
export const flagInt = (a: ParsedArgs, name: string): number | undefined => {
  const v = a.flags[name];
  return typeof v === "number" ? v : undefined;
};
export const flagList = (a: ParsedArgs, name: string): string[] => {
  const v = a.flags[name];
  return Array.isArray(v) ? v : [];
};

/** --console-socket as the runtime takes it. */
export const consoleOption = (path: string | undefined): { console?: { path: string } } => (path ? { console: { path } } : {});
