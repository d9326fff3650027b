// Waiting for a foreground process (run, exec) while passing the user's signals on to it.
import type { Subprocess } from "bun";
import { kill } from "../../ffi/process.ts";
import { parseSignal } from "../spec/signals.ts";

const FORWARDED = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGWINCH"] as const;

/** A finished Bun child's status as a shell reports it: the exit code, or 128 + the signal that killed it. */
export const exitStatusOf = (proc: Subprocess<"inherit", "inherit", "inherit">): number =>
  proc.signalCode ? 128 + parseSignal(proc.signalCode) : (proc.exitCode ?? 1);

/** From now on, the usual signals sent to bunker go to `target()` instead; returns the function that stops that. */
export const forwardSignals = (target: () => number): (() => void) => {
  const handlers = FORWARDED.map((sig) => {
    const h = (): void => {
      try {
        kill(target(), parseSignal(sig));
      } catch {
        // Already gone: its exit is about to be reported.
      }
    };
    process.on(sig, h);
    return [sig, h] as const;
  });
  return () => {
    for (const [sig, h] of handlers) process.off(sig, h);
  };
};

/** Forwards signals to `pid` until `exited` settles, and returns its status. */
export const waitForeground = async (pid: number, exited: Promise<number>): Promise<number> => {
  const stop = forwardSignals(() => pid);
  try {
    return await exited;
  } finally {
    stop();
  }
};
