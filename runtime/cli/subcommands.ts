// Commands made of subcommands (`bunker board check`, `bunker image pull`): a table of rows, each with its own
// flags, arguments and help, dispatched from the first positional argument.
import type { Command } from "./command.ts";
import { UsageError } from "./command.ts";
import { helpText } from "./help.ts";
import { flagBool, flagString, parseArgs } from "./parse.ts";

/** A row: a command without its own name (it is `<command> <row>`). */
export type Subcommand = Omit<Command, "name">;

/** A row whose module is loaded only when it runs (or shows its own help): a command pays for what it uses. */
export interface LazySubcommand {
  summary: string;
  load(): Promise<Omit<Subcommand, "summary">>;
}

const resolveRow = async (row: Subcommand | LazySubcommand): Promise<Subcommand> => ("load" in row ? { ...(await row.load()), summary: row.summary } : row);

/** The command `name` whose subcommands are the rows of `table`. */
export const withSubcommands = (name: string, summary: string, table: Record<string, Subcommand | LazySubcommand>): Command => {
  const asCommand = (sub: string, s: Subcommand): Command => ({ name: `${name} ${sub}`, summary: s.summary, args: s.args, arity: s.arity, flags: s.flags, description: s.description, run: s.run });
  return {
    name,
    summary,
    args: "<subcommand> [options]",
    arity: [1, -1],
    flags: [],
    stopAtPositional: true,
    description: ["subcommands:", ...Object.entries(table).map(([n, s]) => `  ${n.padEnd(12)} ${s.summary}`)].join("\n"),
    run: async (global, args) => {
      const [sub, ...rest] = args.positional;
      const entry = sub === undefined ? undefined : table[sub];
      if (!entry) throw new UsageError(`Unknown ${name} subcommand: '${sub}' (known: ${Object.keys(table).join(", ")})`);
      const row = await resolveRow(entry);
      const parsed = parseArgs(rest, [...row.flags, { name: "help", kind: "bool", short: "h", help: "" }], row.stopAtPositional);
      if (flagBool(parsed, "help")) {
        console.log(helpText(asCommand(sub!, row)));
        return 0;
      }
      const [min, max] = row.arity;
      if (parsed.positional.length < min || (max >= 0 && parsed.positional.length > max)) throw new UsageError(`'${name} ${sub}' takes ${row.args || "no arguments"}`);
      const json = flagBool(parsed, "json") || flagString(parsed, "format") === "json";
      return row.run({ ...global, json }, parsed);
    },
  };
};
