import { parseDuration } from "../../units.ts";
import { askDaemon, controlSocketPath } from "../../supervisor/control-socket.ts";
import { followLog, readLog } from "../../supervisor/log-read.ts";
import { servicePaths } from "../../supervisor/service-paths.ts";
import { SERVICE_NAME_PATTERN } from "../../supervisor/target-state.ts";
import { UsageError, type Command } from "../command.ts";
import { flagBool, flagInt, flagString } from "../parse.ts";

/** `--since`: a duration back from now (10m, 2h) or an ISO time. */
const sinceOf = (text: string | undefined): string | undefined => {
  if (text === undefined) return undefined;
  if (/^\d/.test(text) && !text.includes("T") && !text.includes("-")) {
    try {
      return new Date(Date.now() - parseDuration(text)).toISOString();
    } catch {
      throw new UsageError(`--since takes a duration such as '10m' or an ISO time, not '${text}'`);
    }
  }
  const t = Date.parse(text);
  if (Number.isNaN(t)) throw new UsageError(`--since takes a duration such as '10m' or an ISO time, not '${text}'`);
  return new Date(t).toISOString();
};

export const command: Command = {
  name: "logs",
  summary: "print a service's stdout and stderr from its log ring",
  args: "<service>",
  arity: [1, 1],
  flags: [
    { name: "follow", kind: "bool", short: "f", help: "keep printing what the service writes" },
    { name: "since", kind: "string", value: "WHEN", help: "lines from then on: a duration back (10m, 2h) or an ISO time" },
    { name: "tail", kind: "int", value: "N", help: "only the last N lines" },
    { name: "logs", kind: "string", value: "DIR", help: "the log directory, if the daemon's configuration moved it" },
  ],
  description:
    "Lines read '<time> <out|err> <text>'. The daemon writes in large appends (every 30 s by default); this command\n" +
    "asks it to write what it holds first, and every second while it follows (docs/services.md).",
  async run(g, a) {
    const service = a.positional[0]!;
    if (!new RegExp(SERVICE_NAME_PATTERN).test(service)) throw new UsageError(`Not a service name: '${JSON.stringify(service).slice(1, -1)}'`);
    const tail = flagInt(a, "tail");
    if (tail !== undefined && tail < 0) throw new UsageError(`--tail takes a count of lines, not '${tail}'`);
    const since = sinceOf(flagString(a, "since"));
    const filter = { ...(since !== undefined ? { since } : {}), ...(tail !== undefined ? { tail } : {}) };
    const dir = flagString(a, "logs") ?? servicePaths(g.root).logs;
    // `bunker logs web | head` closes the pipe early: that ends the command, it is not a failure.
    process.stdout.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "EPIPE") process.exit(0);
      throw err;
    });
    const print = (l: string): void => void process.stdout.write(`${l}\n`);
    // The daemon holds up to its flush time of output in memory: ask for it first (no daemon: nothing is held).
    const flush = () => askDaemon(controlSocketPath(g.root), { op: "flush-logs", service }).catch(() => undefined);
    await flush();
    if (!flagBool(a, "follow")) {
      readLog(dir, service, filter, print);
      return 0;
    }
    const stop = new AbortController();
    for (const sig of ["SIGINT", "SIGTERM"] as const) process.once(sig, () => stop.abort());
    // While someone follows, the output is written each second rather than at the flush time.
    const timer = setInterval(() => void flush(), 1000);
    try {
      await followLog(dir, service, filter, print, stop.signal);
    } finally {
      clearInterval(timer);
    }
    return 0;
  },
};
