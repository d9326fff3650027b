// Facts about a host process read from /proc.
import { readFileSync } from "node:fs";

/** Start time (clock ticks since boot) and state letter of a PID, or undefined if it is gone. */
export const procStat = (pid: number): { startTime: string; state: string } | undefined => {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "latin1");
    // The command name may contain spaces and parentheses: fields start after the last ')'.
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return { state: fields[0]!, startTime: fields[19]! };
  } catch {
    return undefined;
  }
};

const running = (st: { state: string } | undefined): boolean => st !== undefined && st.state !== "Z" && st.state !== "X";

/** True when `pid` still is the process that had `startTime`, and has not exited. */
export const isAlive = (pid: number, startTime: string): boolean => {
  const st = procStat(pid);
  return running(st) && st!.startTime === startTime;
};

/** True when some process `pid` exists and has not exited (for our own children, whose PID cannot be reused yet). */
export const isRunning = (pid: number): boolean => running(procStat(pid));
