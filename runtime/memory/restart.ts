// Restart policy as a pure decision: given how a container ended and its recent restarts, restart it when, or not.
import type { RestartPolicy } from "./policy.ts";

export interface ExitRecord {
  at: number;
  /** Exit status as a shell shows it: 128 + N when killed by signal N. */
  status: number;
  /** Who ended it, when known: the kernel's OOM killer, bunker's ladder, or the service manager after failed health checks. */
  killedBy?: "kernel-oom" | "ladder" | "health-check";
}

export type RestartDecision = { restart: true; at: number; delayMs: number } | { restart: false; reason: string; crashLoop?: true };

/** Delay doubles with each restart inside the window, from backoff up to backoffMax. */
export const restartDecision = (policy: RestartPolicy, exit: ExitRecord, recentRestarts: readonly number[]): RestartDecision => {
  if (policy.mode === "no") return { restart: false, reason: "restart policy is 'no'" };
  if (policy.mode === "on-failure" && exit.status === 0 && !exit.killedBy)
    return { restart: false, reason: "exited with status 0 under restart policy 'on-failure'" };
  const inWindow = recentRestarts.filter((t) => t > exit.at - policy.windowMs).length;
  if (inWindow >= policy.limit)
    return { restart: false, crashLoop: true, reason: `crash loop: ${inWindow} restarts within ${policy.windowMs / 1000}s (limit ${policy.limit})` };
  const delayMs = Math.min(policy.backoffMs * 2 ** inWindow, policy.backoffMaxMs);
  return { restart: true, at: exit.at + delayMs, delayMs };
};
