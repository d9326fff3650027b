// Waiting for a foreground child (run, exec) while passing the user's signals on to it.
import type { Subprocess } from "bun";
import { kill } from "../../ffi/process.ts";
import { parseSignal } from "../spec/signals.ts";

const FORWARDED = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGWINCH"] as const;

/** The child's exit status, or 128 + the signal that killed it. */
export const waitForeground = async (proc: Subprocess<"inherit", "inherit", "inherit">): Promise<number> => {
  const handlers = FORWARDED.map((sig) => {
    const h = (): void => {
      try {
        kill(proc.pid, parseSignal(sig));
      } catch {
        // Already gone: its exit is about to be reported.
      }
    };
    process.on(sig, h);
    return [sig, h] as const;
  });
  const code = await proc.exited;
  for (const [sig, h] of handlers) process.off(sig, h);
  return proc.signalCode ? 128 + parseSignal(proc.signalCode) : code;
};
