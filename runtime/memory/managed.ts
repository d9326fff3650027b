// What the memory core itself did to a container and has not undone yet (Observation's Managed), kept up to date as
// each step is issued and as it finishes, so that the next pass neither repeats a step nor escalates too soon.
import type { StepResult } from "./actuator.ts";
import type { Step } from "./ladder.ts";
import type { Managed } from "./observation.ts";

// Actions that change what the ladder holds: the next escalation, or release, waits for their effect.
const HOLDING = new Set<Step["action"]>(["throttle", "freeze", "kill", "release"]);

/** Whether `action` changes what the ladder holds on a container (a throttle, a freeze; their undoing). */
export const changesHolds = (action: Step["action"]): boolean => HOLDING.has(action);

/** Marks what holds from the moment `step` is issued. Returns whether it holds the ladder and whether it runs in the
 * background (the kernel reclaims inside throttle and reclaim writes, seconds on a slow board). */
export const stepIssued = (step: Step, m: Managed, at: number): { holds: boolean; background: boolean } => {
  if (step.action === "throttle") m.throttledTo = step.high;
  if (step.action === "reclaim") m.reclaimedAt = at;
  const background = step.action === "throttle" || step.action === "reclaim";
  if (background) m.inFlight = true;
  return { holds: HOLDING.has(step.action), background };
};

/** Marks what `step` left behind; a reclaim freeing less than `reclaimMinBytes` has settled. */
export const stepFinished = (step: Step, r: StepResult, m: Managed, at: number, reclaimMinBytes: number): void => {
  delete m.inFlight;
  if (r.outcome === "done") {
    if (step.action === "freeze") m.frozenAt = at;
    if (step.action === "kill") m.killedAt = at;
    if (step.action === "release") {
      if (m.frozenAt !== undefined) m.thawed = (m.thawed ?? 0) + 1;
      delete m.throttledTo;
      delete m.frozenAt;
    }
    if (step.action === "give-up") m.gaveUp = true;
    if (step.action === "reclaim") m.reclaimSettled = (r.freedBytes ?? 0) < reclaimMinBytes;
  } else {
    if (step.action === "throttle") delete m.throttledTo;
    // A reclaim that cannot run (v1, a failing file) must not be retried at once: settle it.
    if (step.action === "reclaim") m.reclaimSettled = true;
  }
};
