// Entry point: turns argv into a command call and errors into one line plus a stable exit code.
import { appendFileSync } from "node:fs";
import type { Command, GlobalOptions, ParsedArgs } from "./command.ts";
import { UsageError } from "./command.ts";
import { commandNames, commands } from "./commands/index.ts";
import { canBeValue, flagBool, flagString, journalDir, parseArgs } from "./parse.ts";
import { helpText, globalFlags, mainHelp } from "./help.ts";
import { reportError } from "./report.ts";
import { launchAheadFor } from "./launch-ahead.ts";
import { VERSION } from "../version.ts";
import { debug, DEBUG_ENV } from "../debug.ts";
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
    // A missing value is left for parseArgs to refuse, rather than taken from the command name or the next flag.
    const next = argv[i + 1];
    if (spec && spec.kind !== "bool" && next !== undefined && canBeValue(next, spec)) global.push(argv[++i]!);
  }
  return { global, name: argv[i], rest: argv.slice(i + 1) };
};

/** What a command line asks for, parsed and checked but not done (the fuzz harness checks argv with this too). */
export type CommandLine = { global: ParsedArgs } & (
  | { action: "version" }
  | { action: "help"; topic: Command | undefined }
  | { action: "command"; command: Command; args: ParsedArgs }
);

const loadCommand = async (name: string): Promise<Command | undefined> =>
  Object.hasOwn(commands, name) ? (await commands[name]!()).command : undefined;

const usageLine = (c: Command): string => `bunker ${c.name} ${c.args}`;

/** The global flags parsed, the command's name and its arguments (not parsed: their flags live in its module). */
export const parseGlobal = (argv: string[]): { global: ParsedArgs; name: string | undefined; rest: string[] } => {
  const { global, name, rest } = splitGlobal(argv);
  return { global: parseArgs(global, globalFlags), name, rest };
};

export const parseCommandLine = async (argv: string[], head = parseGlobal(argv)): Promise<CommandLine> => {
  const { global, name, rest } = head;
  if (flagBool(global, "version")) return { global, action: "version" };
  const logFormat = flagString(global, "log-format");
  if (logFormat !== undefined && logFormat !== "text" && logFormat !== "json")
    throw new UsageError(`--log-format must be text or json, not '${logFormat}'`);
  if (name === undefined || name === "help" || flagBool(global, "help"))
    return { global, action: "help", topic: name === "help" && rest[0] !== undefined ? await loadCommand(rest[0]) : undefined };
  const command = await loadCommand(name);
  if (!command) throw new UsageError(`Unknown command: '${name}' (see 'bunker --help')`);
  try {
    const args = parseArgs(rest, [...command.flags, { name: "help", kind: "bool", short: "h", help: "" }], command.stopAtPositional);
    if (flagBool(args, "help")) return { global, action: "help", topic: command };
    const [min, max] = command.arity;
    if (args.positional.length < min || (max >= 0 && args.positional.length > max))
      throw new UsageError(`'${command.name}' takes ${command.args || "no arguments"}`);
    return { global, action: "command", command, args };
  } catch (err) {
    if (err instanceof UsageError) err.usage = usageLine(command);
    throw err;
  }
};

export const main = async (argv: string[]): Promise<number> => {
  let command: Command | undefined;
  let opts: GlobalOptions | undefined;
  try {
    const head = parseGlobal(argv);
    // Before the command's modules load: create and run start their setup stage now (launch-ahead.ts), which sees
    // --debug in its environment.
    if (flagBool(head.global, "debug")) process.env[DEBUG_ENV] = "1";
    debug("cli: main loaded");
    if (head.name !== undefined) await launchAheadFor(head.name, head.rest);
    const line = await parseCommandLine(argv, head);
    debug(`cli: ${head.name} loaded`);
    const g = line.global;
    if (line.action === "version") {
      console.log(`bunker version ${VERSION}\nspec: 1.2.0`);
      return EXIT.ok;
    }
    const root = flagString(g, "root") ?? DEFAULT_ROOT;
    opts = {
      root,
      journal: journalDir(flagString(g, "journal"), defaultJournalDir(root)),
      logFormat: flagString(g, "log-format") === "json" ? "json" : "text",
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
    const log = flagString(g, "log");
    if (log !== undefined) {
      openLog(log);
      opts.log = log;
    }
    if (line.action === "help") {
      console.log(line.topic ? helpText(line.topic) : mainHelp(await loadSummaries()));
      return EXIT.ok;
    }
    command = line.command;
    opts.json = flagBool(line.args, "json") || flagString(line.args, "format") === "json";
    return await command.run(opts, line.args);
  } catch (err) {
    reportError(err, opts, command ? `running 'bunker ${command.name}'` : "reading the command line");
    if (err instanceof UsageError) {
      const usage = err.usage ?? (command ? usageLine(command) : undefined);
      if (usage) process.stderr.write(`usage: ${usage}\n`);
      return EXIT.usage;
    }
    return EXIT.failure;
  }
};

/** runc opens --log before anything else: an unwritable log fails the command rather than dropping what it would say. */
const openLog = (path: string): void => {
  try {
    appendFileSync(path, "");
  } catch (err) {
    throw new Error(`Cannot write the log file '${path}'`, { cause: err });
  }
};

const loadSummaries = async (): Promise<{ name: string; summary: string }[]> =>
  Promise.all(commandNames().map(async (n) => ({ name: n, summary: (await commands[n]!()).command.summary })));

