// Command lines: every command of the CLI's own table with its real flags (and unknown ones), values at the edges,
// values missing or taken by the next flag, unicode and control characters, huge arguments.
import type { Command } from "../../runtime/cli/command.ts";
import { commandNames, commands } from "../../runtime/cli/commands/index.ts";
import { globalFlags } from "../../runtime/cli/help.ts";
import type { Rng } from "./rng.ts";
import { EDGE_NUMBERS, randomString } from "./values.ts";

export const loadCommands = async (): Promise<Command[]> => Promise.all(commandNames().map(async (n) => (await commands[n]!()).command));

const flagText = (rng: Rng, name: string, short: string | undefined): string =>
  short && rng.chance(0.3) ? `-${short}` : `--${name}`;

const value = (rng: Rng, kind: string): string =>
  kind === "int" && rng.chance(0.6) ? String(rng.pick(EDGE_NUMBERS)) : rng.chance(0.3) ? rng.pick(["1", "0", "-1", "json", "table", "KILL", "9", "SIGTERM", "1s", "5m"]) : randomString(rng);

/** One argv (without bunker's own name), from the real command and flag tables. */
export const mutateArgv = (rng: Rng, table: readonly Command[], id: () => string): string[] => {
  const argv: string[] = [];
  for (const f of globalFlags) if (rng.chance(0.08)) argv.push(flagText(rng, f.name, f.short), ...(f.kind === "bool" || rng.chance(0.1) ? [] : [value(rng, f.kind)]));
  const c = rng.chance(0.95) ? rng.pick(table) : undefined;
  argv.push(c ? c.name : rng.pick(["", "help", "nope", "toString", "__proto__", "constructor", "--", "-", randomString(rng)]));
  if (c) {
    for (const f of c.flags) {
      if (!rng.chance(0.25)) continue;
      const joined = rng.chance(0.2);
      const flag = flagText(rng, f.name, f.short);
      if (f.kind === "bool") argv.push(joined ? `${flag}=${rng.pick(["true", "false", "yes", ""])}` : flag);
      else if (joined) argv.push(`${flag}=${value(rng, f.kind)}`);
      else argv.push(flag, ...(rng.chance(0.1) ? [] : [value(rng, f.kind)]));
    }
    if (rng.chance(0.05)) argv.push(`--${randomString(rng)}`);
  }
  const positional = rng.pick([0, 1, 1, 1, 2, 3]);
  for (let i = 0; i < positional; i++) argv.push(rng.chance(0.6) ? id() : randomString(rng));
  // Shuffle a little: flags after positionals, a flag at the very end.
  if (rng.chance(0.1) && argv.length > 1) {
    const i = rng.int(argv.length);
    argv.push(...argv.splice(i, 1));
  }
  return argv;
};
