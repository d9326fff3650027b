// `bunker board <subcommand>`: board-level tools. Each subcommand is one row of SUBCOMMANDS with its own flags.
import { boardCheck } from "../../../board/check.ts";
import { renderText } from "../../../board/check/report.ts";
import { realProbes } from "../../../board/check/probes.ts";
import { rootedView } from "../../../board/check/system.ts";
import type { Command, FlagSpec, GlobalOptions, ParsedArgs } from "../command.ts";
import { UsageError } from "../command.ts";
import { helpText } from "../help.ts";
import { flagBool, parseArgs } from "../parse.ts";

interface Subcommand {
  summary: string;
  args: string;
  flags: FlagSpec[];
  run(global: GlobalOptions, args: ParsedArgs): Promise<number> | number;
}

const SUBCOMMANDS: Record<string, Subcommand> = {
  check: {
    summary: "report the kernel and system features bunker uses; exit 1 when a required one is missing",
    args: "",
    flags: [{ name: "json", kind: "bool", help: "print the report as JSON (schema: board-check.json)" }],
    run: (_global, args) => {
      const report = boardCheck(rootedView("/", realProbes));
      console.log(flagBool(args, "json") ? JSON.stringify(report, null, 2) : renderText(report));
      return report.ok ? 0 : 1;
    },
  },
};

const asCommand = (name: string, sub: Subcommand): Command => ({
  name: `board ${name}`,
  summary: sub.summary,
  args: sub.args,
  arity: [0, 0],
  flags: sub.flags,
  run: sub.run,
});

export const command: Command = {
  name: "board",
  summary: "board tools: feature check",
  args: "<subcommand> [options]",
  arity: [1, -1],
  flags: [],
  stopAtPositional: true,
  description: ["subcommands:", ...Object.entries(SUBCOMMANDS).map(([n, s]) => `  ${n.padEnd(12)} ${s.summary}`)].join("\n"),
  run: (global, args) => {
    const [name, ...rest] = args.positional;
    const sub = name === undefined ? undefined : SUBCOMMANDS[name];
    if (!sub) throw new UsageError(`Unknown board subcommand: '${name}' (known: ${Object.keys(SUBCOMMANDS).join(", ")})`);
    const parsed = parseArgs(rest, [...sub.flags, { name: "help", kind: "bool", short: "h", help: "" }]);
    if (flagBool(parsed, "help")) {
      console.log(helpText(asCommand(name!, sub)));
      return 0;
    }
    if (parsed.positional.length) throw new UsageError(`'board ${name}' takes no arguments`);
    return sub.run(global, parsed);
  },
};
