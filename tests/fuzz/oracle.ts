// The in-process path of a fuzz case: the same validation the executable runs first, called directly (for volume).
// Each outcome is classified by what a user would see: a clean one-line error, acceptance, or a bug.
import { parseCommandLine } from "../../runtime/cli/main.ts";
import { checkId } from "../../runtime/container/record.ts";
import { describeError, isEngineError } from "../../runtime/errors.ts";
import { parseConfig } from "../../runtime/spec/config.ts";
import { parseJson } from "../../runtime/spec/json-text.ts";

export type Outcome =
  /** `command`: for a command line, the command it runs. */
  | { kind: "accepted"; canonical: string; command?: string }
  | { kind: "error"; line: string }
  /** An engine error (TypeError, stack overflow), a throw that is not an Error, or an "internal error" line. */
  | { kind: "crash"; line: string };

const engineInChain = (err: unknown): boolean => {
  for (let e: unknown = err; e !== undefined; e = e instanceof Error ? e.cause : undefined) if (isEngineError(e)) return true;
  return false;
};

const classify = (err: unknown): Outcome => {
  const line = err instanceof Error ? describeError(err) : `non-Error thrown: ${String(err)}`;
  if (!(err instanceof Error) || engineInChain(err) || line.includes("internal error") || line.includes("\n")) return { kind: "crash", line };
  return { kind: "error", line };
};

/** config.json text as `create` reads it: parsed, checked, the root resolved against `bundle`. */
export const checkConfig = (text: string, bundle: string): Outcome => {
  try {
    const c = parseConfig(parseJson(text, "config.json"), bundle);
    return { kind: "accepted", canonical: JSON.stringify(c) };
  } catch (err) {
    return classify(err);
  }
};

export const checkContainerId = (id: string): Outcome => {
  try {
    checkId(id);
    return { kind: "accepted", canonical: id };
  } catch (err) {
    return classify(err);
  }
};

/** What main() decides before it runs a command: the command, its flags, their values, its arguments. */
export const checkArgv = async (argv: string[]): Promise<Outcome> => {
  try {
    const line = await parseCommandLine(argv);
    return { kind: "accepted", canonical: JSON.stringify([line.action, argv]), ...(line.action === "command" ? { command: line.command.name } : {}) };
  } catch (err) {
    return classify(err);
  }
};
