// A daemon a test starts itself: output to its own log file, ready when a probe says so, stopped by its pid.
// Every daemon still alive when the test process exits is killed by its pid, so a failing test leaves none behind.
import { closeSync, existsSync, openSync, readFileSync } from "node:fs";
import type { Subprocess } from "bun";

export interface Daemon {
  readonly name: string;
  readonly pid: number;
  readonly log: string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

const alive = new Set<Subprocess>();
process.on("exit", () => {
  for (const p of alive) {
    try {
      process.kill(p.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
});

/** The last lines of a log, for an error message that says why a daemon did not come up. */
export const logTail = (log: string, lines = 8): string =>
  existsSync(log) ? readFileSync(log, "utf8").trim().split("\n").slice(-lines).join("\n") : "(no log)";

/** Polls `cond` every 50 ms until it holds or `timeoutMs` passes; returns whether it held. */
export const waitFor = async (cond: () => boolean, timeoutMs: number): Promise<boolean> => {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (cond()) return true;
    if (Date.now() > end) return false;
    await Bun.sleep(50);
  }
};

export const startDaemon = async (
  name: string,
  cmd: string[],
  opts: { log: string; ready: () => boolean; env?: Record<string, string>; timeoutMs?: number },
): Promise<Daemon> => {
  const fd = openSync(opts.log, "a");
  const p = Bun.spawn(cmd, { stdin: "ignore", stdout: fd, stderr: fd, env: { ...process.env, ...opts.env } });
  closeSync(fd);
  alive.add(p);
  const stop = async (graceMs = 15_000): Promise<void> => {
    if (p.exitCode === null && p.signalCode === null) {
      p.kill("SIGTERM");
      const timer = setTimeout(() => p.kill("SIGKILL"), graceMs);
      await p.exited;
      clearTimeout(timer);
    }
    alive.delete(p);
  };
  const up = await waitFor(() => p.exitCode !== null || opts.ready(), opts.timeoutMs ?? 30_000);
  if (!up || p.exitCode !== null) {
    await stop(2_000);
    throw new Error(`${name} did not come up (${up ? `exit ${p.exitCode}` : "timeout"}): ${logTail(opts.log)}`);
  }
  return { name, pid: p.pid, log: opts.log, stop };
};
