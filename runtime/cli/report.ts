// Turns any error into one line for the user and, with --log, a log record for engines such as containerd.
import { appendFileSync } from "node:fs";
import type { GlobalOptions } from "./command.ts";
import { describeError, warnOnStderr } from "../errors.ts";

export const logLine = (opts: GlobalOptions | undefined, level: "error" | "warning" | "info" | "debug", msg: string): void => {
  if (!opts?.log) return;
  const time = new Date().toISOString();
  const line = opts.logFormat === "json" ? JSON.stringify({ level, msg, time }) : `time="${time}" level=${level} msg="${msg}"`;
  try {
    appendFileSync(opts.log, `${line}\n`);
  } catch {
    // The log is best effort; the error still reaches stderr.
  }
};

export const reportError = (err: unknown, opts: GlobalOptions | undefined): void => {
  const line = describeError(err);
  process.stderr.write(`bunker: ${line}\n`);
  logLine(opts, "error", line);
};

/** A problem that does not fail the command (a poststart hook, say): stderr and the log. */
export const warn = (opts: GlobalOptions | undefined, msg: string): void => {
  warnOnStderr(msg);
  logLine(opts, "warning", msg);
};
