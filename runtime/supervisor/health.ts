// Health as Docker's HEALTHCHECK keeps it, as a pure state machine: "starting" from the start, "healthy" after any
// successful check, "unhealthy" after `retries` failures in a row; failures inside the start period do not count.
import { parseDuration } from "../units.ts";
import type { Health } from "./current-state.ts";
import type { HealthCheck } from "./target-state.ts";

export interface HealthTiming {
  intervalMs: number;
  timeoutMs: number;
  retries: number;
  startPeriodMs: number;
  startIntervalMs: number;
}

export interface HealthState {
  status: Exclude<Health, "none">;
  failingStreak: number;
  /** What the last check said (its output or error), bounded. */
  last?: { at: number; ok: boolean; detail: string };
}

export const healthTiming = (h: HealthCheck): HealthTiming => ({
  intervalMs: parseDuration(h.interval),
  timeoutMs: parseDuration(h.timeout),
  retries: h.retries,
  startPeriodMs: parseDuration(h.startPeriod),
  startIntervalMs: parseDuration(h.startInterval),
});

export const STARTING: HealthState = Object.freeze({ status: "starting", failingStreak: 0 });

const inStartPeriod = (at: number, startedAt: number, t: HealthTiming): boolean => at - startedAt < t.startPeriodMs;

/** The state after one check that ended at `at`. */
export const afterCheck = (s: HealthState, ok: boolean, detail: string, at: number, startedAt: number, t: HealthTiming): HealthState => {
  const last = { at, ok, detail: detail.slice(0, 512) };
  if (ok) return { status: "healthy", failingStreak: 0, last };
  if (inStartPeriod(at, startedAt, t) && s.status === "starting") return { ...s, last };
  const failingStreak = s.failingStreak + 1;
  return { status: failingStreak >= t.retries ? "unhealthy" : s.status, failingStreak, last };
};

/** When the next check is due: at the start interval while the start period lasts and no check passed yet. */
export const nextCheckAt = (s: HealthState, from: number, startedAt: number, t: HealthTiming): number =>
  from + (s.status === "starting" && inStartPeriod(from, startedAt, t) ? Math.min(t.startIntervalMs, t.intervalMs) : t.intervalMs);
