// Entry point: turns argv into a command call and errors into one line plus a stable exit code.
import type { Command, GlobalOptions } from "./command.ts";
import { UsageError } from "./command.ts";
import { commandNames, commands } from "./commands/index.ts";
import { flagBool, flagString, journalDir, parseArgs } from "./parse.ts";
import { helpText, globalFlags, mainHelp } from "./help.ts";
import { reportError } from "./report.ts";
import { VERSION } from "../version.ts";
import { DEBUG_ENV } from "../debug.ts";
import { DEFAULT_ROOT, defaultJournalDir } from "../container/journal-dir.ts";
import { DEFAULT_NETWORK_ENV } from "../network/env.ts";
import { DEFAULT_IMAGE_STORE } from "../../image/store/layout.ts";

/** Exit codes shared by all commands. A foreground `run` exits with the program's own status instead. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

const splitGlobal = (argv: string[]): { global: string[]; name: string | undefined; rest: string[] } => {
  const global: string[] = [];
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith("-")) break;
    global.push(a);
    const spec = globalFlags.find((f) => a === `--${f.name}` || (f.short !== undefined && a === `-${f.short}`));
    if (spec && spec.kind !== "bool" && !a.includes("=")) global.push(argv[++i] ?? "");
  }
  return { global, name: argv[i], rest: argv.slice(i + 1) };
};

export const main = async (argv: string[]): Promise<number> => {
  let command: Command | undefined;
  let opts: GlobalOptions | undefined;
  try {
    const { global, name, rest } = splitGlobal(argv);
    const g = parseArgs(global, globalFlags);
    if (flagBool(g, "version")) {
      console.log(`bunker version ${VERSION}\nspec: 1.2.0`);
      return EXIT.ok;
    }
    if (flagBool(g, "debug")) process.env[DEBUG_ENV] = "1";
    const logFormat = flagString(g, "log-format") ?? "text";
    if (logFormat !== "text" && logFormat !== "json") throw new UsageError(`--log-format must be text or json, not '${logFormat}'`);
    const root = flagString(g, "root") ?? DEFAULT_ROOT;
    opts = {
      root,
      journal: journalDir(flagString(g, "journal"), defaultJournalDir(root)),
      log: flagString(g, "log"),
      logFormat,
      debug: flagBool(g, "debug"),
      json: false,
      images: flagString(g, "images") ?? DEFAULT_IMAGE_STORE,
      systemdCgroup: flagBool(g, "systemd-cgroup"),
      network: {
        dir: flagString(g, "network-dir") ?? DEFAULT_NETWORK_ENV.dir,
        configDir: flagString(g, "cni-config-dir") ?? DEFAULT_NETWORK_ENV.configDir,
        cniPath: flagString(g, "cni-path")?.split(":").filter(Boolean) ?? DEFAULT_NETWORK_ENV.cniPath,
      },
    };
    if (name === undefined || name === "help" || flagBool(g, "help")) {
      const topic = name === "help" ? rest[0] : undefined;
      if (topic && commands[topic]) console.log(helpText((await commands[topic]()).command));
      else console.log(mainHelp(await loadSummaries()));
      return EXIT.ok;
    }
    const load = commands[name];
    if (!load) throw new UsageError(`Unknown command: '${name}' (see 'bunker --help')`);
    command = (await load()).command;
    const args = parseArgs(rest, [...command.flags, { name: "help", kind: "bool", short: "h", help: "" }], command.stopAtPositional);
    if (flagBool(args, "help")) {
      console.log(helpText(command));
      return EXIT.ok;
    }
    const [min, max] = command.arity;
    if (args.positional.length < min || (max >= 0 && args.positional.length > max))
      throw new UsageError(`'${command.name}' takes ${command.args || "no arguments"}`);
    opts.json = flagBool(args, "json") || flagString(args, "format") === "json";
    return await command.run(opts, args);
  } catch (err) {
    reportError(err, opts);
    if (err instanceof UsageError) {
      if (command) process.stderr.write(`usage: bunker ${command.name} ${command.args}\n`);
      return EXIT.usage;
    }
    return EXIT.failure;
  }
};

const loadSummaries = async (): Promise<{ name: string; summary: string }[]> =>
  Promise.all(commandNames().map(async (n) => ({ name: n, summary: (await commands[n]!()).command.summary })));

