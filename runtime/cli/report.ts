// Turns any error into one line for the user and, with --log, a log record for engines such as containerd.
import { appendFileSync } from "node:fs";
import type { GlobalOptions } from "./command.ts";
import { debugEnabled } from "../debug.ts";
import { describeError, escapeControl, isEngineError, warnOnStderr } from "../errors.ts";

/** Appends one record to --log; returns why it could not (the caller says so: a log is never dropped silently). */
export const logLine = (opts: GlobalOptions | undefined, level: "error" | "warning" | "info" | "debug", msg: string): string | undefined => {
  if (!opts?.log) return undefined;
  const time = new Date().toISOString();
  const line = opts.logFormat === "json" ? JSON.stringify({ level, msg, time }) : `time="${time}" level=${level} msg="${msg.replace(/["\\]/g, "\\$&")}"`;
  try {
    appendFileSync(opts.log, `${line}\n`);
    return undefined;
  } catch (err) {
    return `the log '${escapeControl(opts.log)}' could not be written (${(err as NodeJS.ErrnoException).code ?? describeError(err)})`;
  }
};

/** The engine's own text for an internal error, with --debug only (it names bunker's minified source). */
const engineDetail = (err: unknown): string | undefined => {
  for (let e: unknown = err; e instanceof Error; e = e.cause) if (isEngineError(e)) return e.stack ?? `${e.name}: ${e.message}`;
  return undefined;
};

/** `doing` is what the entry point was about ("bunker create"): the context of an internal error that has none. */
export const reportError = (err: unknown, opts: GlobalOptions | undefined, doing = "bunker"): void => {
  const described = describeError(err);
  const line = described.startsWith("internal error (") ? `internal error: ${escapeControl(doing)} ${described.slice("internal error ".length)}` : described;
  const logFailure = logLine(opts, "error", line);
  process.stderr.write(`bunker: ${line}${logFailure ? ` (also: ${logFailure})` : ""}\n`);
  const detail = debugEnabled() ? engineDetail(err) : undefined;
  if (detail) process.stderr.write(`${detail}\n`);
};

/** A problem that does not fail the command (a poststart hook, say): stderr and the log. */
export const warn = (opts: GlobalOptions | undefined, msg: string): void => {
  const line = escapeControl(msg);
  const logFailure = logLine(opts, "warning", line);
  warnOnStderr(logFailure ? `${line} (also: ${logFailure})` : line);
};
