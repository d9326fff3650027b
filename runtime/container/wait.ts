// Waiting for a foreground process (run, exec) while passing the user's signals on to it, through its pidfd.
import type { Subprocess } from "bun";
import { openProcess, type ProcessHandle } from "../process/process-handle.ts";
import { parseSignal } from "../spec/signals.ts";

const FORWARDED = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGWINCH"] as const;

/** A finished Bun child's status as a shell reports it: the exit code, or 128 + the signal that killed it. */
export const exitStatusOf = (proc: Subprocess<"inherit", "inherit", "inherit">): number =>
  proc.signalCode ? 128 + parseSignal(proc.signalCode) : (proc.exitCode ?? 1);

/** From now on, the usual signals sent to bunker go to `target()` instead; returns the function that stops that. */
export const forwardSignals = (target: () => ProcessHandle | undefined): (() => void) => {
  const handlers = FORWARDED.map((sig) => {
    // Gone already: its exit is about to be reported.
    const h = (): void => void target()?.signal(parseSignal(sig));
    process.on(sig, h);
    return [sig, h] as const;
  });
  return () => {
    for (const [sig, h] of handlers) process.off(sig, h);
  };
};

/** Forwards signals to `pid`, our child until `exited` has reaped it, until `exited` settles; returns its status. */
export const waitForeground = async (pid: number, exited: Promise<number>): Promise<number> => {
  const handle = openProcess(pid, () => true);
  const stop = forwardSignals(() => handle);
  try {
    return await exited;
  } finally {
    stop();
    handle?.close();
  }
};
