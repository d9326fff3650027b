// The shape of one CLI command: parsing and output only; the work is done by runtime/, image/ or board/.
import type { NetworkEnv } from "../network/env.ts";

export type FlagKind = "bool" | "string" | "int" | "list";

export interface FlagSpec {
  /** Long name without dashes, as in runc ("pid-file"). */
  name: string;
  kind: FlagKind;
  short?: string;
  help: string;
  /** Shown as the value's placeholder in --help. */
  value?: string;
}

export interface ParsedArgs {
  flags: Record<string, string | boolean | number | string[] | undefined>;
  positional: string[];
}

/** Options every command sees (runc's global flags). */
export interface GlobalOptions {
  root: string;
  log?: string;
  logFormat: "text" | "json";
  debug: boolean;
  json: boolean;
  /** The state journal's directory, or null when journaling is off (--journal none). */
  journal: string | null;
  /** The image store's directory (--images). */
  images: string;
  /** --systemd-cgroup: systemd's cgroup driver asked for (create and run refuse it). */
  systemdCgroup: boolean;
  /** --network-dir, --cni-config-dir, --cni-path. */
  network: NetworkEnv;
}

export interface Command {
  name: string;
  summary: string;
  /** Positional arguments as shown in --help, e.g. "<container-id>". */
  args: string;
  /** Bounds on the number of positional arguments; max -1 means unbounded. */
  arity: [min: number, max: number];
  flags: FlagSpec[];
  /** Extra paragraphs for --help. */
  description?: string;
  /** Stop parsing flags at the first positional (for `exec ID cmd -x`). */
  stopAtPositional?: boolean;
  run(global: GlobalOptions, args: ParsedArgs): Promise<number> | number;
}

/** A usage error: the entry point prints it with the command's usage hint and exits 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
  /** The command's usage line, once the command is known ("bunker exec <container-id> ..."). */
  usage?: string;
}
