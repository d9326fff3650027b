// The memory ladder as a pure function: an observation in, the steps to take out (reconciliation style).
// Rungs: proactive reclaim while calm; throttle (memory.high) when tight; freeze when severe; kill the cgroup when
// critical or when nothing is left to freeze; restart per policy. Always the lowest class first, the largest first.
import { Type, type Static } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { CLASS_PROFILES, type LadderAction, type MemoryClass } from "./classes.ts";
import type { ContainerView, Observation } from "./observation.ts";
import { restartDecision } from "./restart.ts";

export const LadderConfigSchema = Type.Object({
  tightAvailablePercent: Type.Number({ default: 12, description: "MemAvailable below this share of MemTotal: throttle" }),
  severeAvailablePercent: Type.Number({ default: 8, description: "MemAvailable below this share: freeze" }),
  criticalAvailablePercent: Type.Number({ default: 5, description: "MemAvailable below this share: kill" }),
  tightSomeAvg10: Type.Number({ default: 10, description: "System PSI some avg10 (percent) at or above which memory is tight (not within 10 s of an action)" }),
  severeFullAvg10: Type.Number({ default: 10, description: "System PSI full avg10 (percent) at or above which memory is severe (not within 10 s of an action)" }),
  signalFreshMs: Type.Integer({ default: 1000, description: "How long a fired trigger counts as current pressure" }),
  actionIntervalMs: Type.Integer({ default: 250, description: "Least time between two escalating actions, so each can take effect" }),
  sampleMs: Type.Integer({ default: 500, description: "Sampling interval while pressure lasts (none while calm)" }),
  releaseAfterMs: Type.Integer({ default: 30_000, description: "Calm time before one throttle or freeze is undone" }),
  throttleRatio: Type.Number({ default: 0.2, description: "Throttle sets memory.high this fraction below memory.current" }),
  reclaimIntervalMs: Type.Integer({ default: 10_000, description: "Time between proactive reclaim passes of one container" }),
  reclaimRecheckMs: Type.Integer({ default: 60_000, description: "Time before a settled container is tried again" }),
  reclaimRatio: Type.Number({ default: 0.05, description: "Share of memory.current one reclaim pass asks for, at zero pressure" }),
  reclaimMinBytes: Type.Integer({ default: 1 << 20, description: "Smallest reclaim request; a pass freeing less settles the container" }),
  minVictimPercent: Type.Number({ default: 1, description: "A container holding less than this share of MemTotal is not worth throttling, freezing or killing" }),
}, { additionalProperties: false });
export type LadderConfig = Static<typeof LadderConfigSchema>;

export const defaultLadderConfig = (overrides: Partial<LadderConfig> = {}): LadderConfig =>
  Value.Default(LadderConfigSchema, { ...overrides }) as LadderConfig;

export type Level = "calm" | "tight" | "severe" | "critical";

interface StepBase {
  id: string;
  class: MemoryClass;
  reason: string;
}
export type Step =
  | (StepBase & { action: "reclaim"; bytes: number })
  | (StepBase & { action: "throttle"; high: number })
  | (StepBase & { action: "freeze" })
  | (StepBase & { action: "kill" })
  | (StepBase & { action: "release" })
  | (StepBase & { action: "restart" })
  | (StepBase & { action: "give-up" });

export interface Plan {
  level: Level;
  /** Why the level is what it is, for the event log. */
  why: string;
  steps: Step[];
  /** When the plan must be computed again even if no signal arrives; undefined: only on the next signal. */
  nextAt?: number;
}

const pct = (n: number): string => `${n.toFixed(1)}%`;

/** PSI's avg10 looks 10 s back: after an action it still shows the pressure the action answered. */
const AVG10_WINDOW_MS = 10_000;

const assess = (o: Observation, c: LadderConfig): { level: Level; why: string } => {
  const { memTotal, memAvailable, psi } = o.system;
  const avail = memTotal > 0 ? (100 * memAvailable) / memTotal : 100;
  // A trigger that fired before the last action speaks of the state that action answered: only later ones count.
  const since = o.lastActionAt ?? -Infinity;
  const fresh = o.signals.filter((s) => o.now - s.at <= c.signalFreshMs && s.at > since);
  // Averages lag: they count only when no action falls inside their window and memory is not plentiful anyway.
  const averagesCount = o.now - since >= AVG10_WINDOW_MS && avail < 2 * c.tightAvailablePercent;
  // The system's PSI counts a task stalled at its own cgroup's limit too: stall spent there says nothing of the system.
  const own = { some: stallAtOwnLimits(o, "some"), full: stallAtOwnLimits(o, "full") };
  if (avail < c.criticalAvailablePercent) return { level: "critical", why: `MemAvailable ${pct(avail)} < ${c.criticalAvailablePercent}%` };
  if (fresh.some((s) => s.source === "system" && s.kind === "full") && !own.full) return { level: "severe", why: "system full-stall trigger fired" };
  if (avail < c.severeAvailablePercent) return { level: "severe", why: `MemAvailable ${pct(avail)} < ${c.severeAvailablePercent}%` };
  if (averagesCount && psi?.full && psi.full.avg10 >= c.severeFullAvg10 && !own.full) return { level: "severe", why: `system PSI full avg10 ${psi.full.avg10}%` };
  if (fresh.some((s) => s.source === "system" && s.kind === "some") && !own.some) return { level: "tight", why: "system some-stall trigger fired" };
  const squeezed = o.containers.find(
    (v) => CLASS_PROFILES[v.policy.class].actions.length === 0 && fresh.some((s) => s.source === v.id && (s.kind === "some" || s.kind === "full")) && !atOwnLimit(v),
  );
  if (squeezed) return { level: "tight", why: `${squeezed.policy.class} container '${squeezed.id}' stalls on memory` };
  if (avail < c.tightAvailablePercent) return { level: "tight", why: `MemAvailable ${pct(avail)} < ${c.tightAvailablePercent}%` };
  if (averagesCount && psi && psi.some.avg10 >= c.tightSomeAvg10 && !own.some) return { level: "tight", why: `system PSI some avg10 ${psi.some.avg10}%` };
  return { level: "calm", why: "no pressure" };
};

/** A container stalling because it reached its own limit is its own business, not a reason to squeeze others. */
const atOwnLimit = (v: ContainerView): boolean => v.memory !== undefined && v.memory.max !== "max" && v.memory.current >= 0.9 * v.memory.max;

/** Share of the system's stall that, spent by containers at their own limit, makes it theirs alone. */
const OWN_STALL_SHARE = 0.8;

/**
 * Whether the system's stall since the previous pass was (nearly) all spent by containers stalling at their own
 * limit: at it now, or having hit it since (the pass may come after the write that stalled is over). Measured on the
 * board: one container writing 150 MB through a 16 MiB limit stalled the system 575 ms (some) and 355 ms (full) in
 * 9 s, firing the system's some trigger, and the daemon throttled an idle bystander for it. Without an earlier pass,
 * or without PSI, nothing is discounted.
 */
const stallAtOwnLimits = (o: Observation, kind: "some" | "full"): boolean => {
  const before = o.previousStalls;
  const total = o.system.psi?.[kind]?.total;
  if (!before || total === undefined) return false;
  const system = total - before.system[kind];
  if (system <= 0) return false;
  let own = 0;
  for (const v of o.containers) {
    const t = v.memory?.psi?.[kind]?.total;
    if (t === undefined) continue;
    // A cgroup made anew (a restart) starts its counters from zero.
    const was = before.containers[v.id];
    const fresh = was === undefined || t < was[kind] || v.memory!.events.max < was.max;
    const hitLimit = atOwnLimit(v) || v.memory!.events.max > (fresh ? 0 : was.max);
    if (hitLimit) own += fresh ? t : t - was[kind];
  }
  return own >= OWN_STALL_SHARE * system;
};

const live = (v: ContainerView): boolean => v.status !== "stopped" && v.memory !== undefined && v.memory.populated;

const may = (v: ContainerView, action: LadderAction): boolean => CLASS_PROFILES[v.policy.class].actions.includes(action);

/** Victims in ladder order: lowest class first, then largest memory.current first; too small to matter: none. */
const victims = (o: Observation, c: LadderConfig, action: LadderAction, eligible: (v: ContainerView) => boolean): ContainerView[] =>
  o.containers
    .filter((v) => live(v) && may(v, action) && eligible(v) && v.memory!.current >= (c.minVictimPercent / 100) * o.system.memTotal)
    .sort((a, b) => CLASS_PROFILES[a.policy.class].rank - CLASS_PROFILES[b.policy.class].rank || b.memory!.current - a.memory!.current);

const step = <A extends Step["action"]>(v: ContainerView, action: A, reason: string, extra: Omit<Extract<Step, { action: A }>, keyof StepBase | "action">) =>
  ({ id: v.id, class: v.policy.class, action, reason, ...extra }) as Extract<Step, { action: A }>;

const escalation = (o: Observation, c: LadderConfig, level: Level, why: string): Step[] => {
  if (o.lastActionAt !== undefined && o.now - o.lastActionAt < c.actionIntervalMs) return [];
  const kill = () => victims(o, c, "kill", (v) => v.managed.killedAt === undefined).slice(0, 1).map((v) => step(v, "kill", why, {}));
  if (level === "critical") return kill();
  if (level === "severe") {
    const next = victims(o, c, "freeze", (v) => !v.memory!.frozen && v.managed.frozenAt === undefined)[0];
    if (!next) return kill();
    // A pause suits a passing spike; a container that brings the pressure back after being thawed is killed.
    if (next.managed.thawed && may(next, "kill")) return [step(next, "kill", `${why}; pressure came back after it was thawed`, {})];
    return [step(next, "freeze", why, {})];
  }
  const next = victims(o, c, "throttle", (v) => v.managed.throttledTo === undefined && !v.memory!.frozen && !v.managed.inFlight)[0];
  return next ? [step(next, "throttle", why, { high: Math.floor(next.memory!.current * (1 - c.throttleRatio)) })] : [];
};

/** Undo one throttle or freeze at a time, most important and smallest first, once calm has lasted. */
const release = (o: Observation): Step[] => {
  const held = o.containers
    .filter((v) => live(v) && (v.managed.throttledTo !== undefined || v.managed.frozenAt !== undefined))
    .sort((a, b) => CLASS_PROFILES[b.policy.class].rank - CLASS_PROFILES[a.policy.class].rank || a.memory!.current - b.memory!.current);
  return held.slice(0, 1).map((v) => step(v, "release", "calm since the last pressure", {}));
};

const reclaimDueAt = (v: ContainerView, c: LadderConfig): number =>
  v.managed.reclaimedAt === undefined ? 0 : v.managed.reclaimedAt + (v.managed.reclaimSettled ? c.reclaimRecheckMs : c.reclaimIntervalMs);

const reclaimable = (v: ContainerView): boolean =>
  live(v) && v.policy.reclaim.enabled && !v.memory!.frozen && v.managed.throttledTo === undefined && !v.managed.inFlight;

/**
 * senpai's idea: ask for less the closer the container's own pressure is to its target, nothing at or above it.
 * Containers due within half an interval are taken in the same pass, so that one wake-up serves them all; one too
 * small to give anything is looked at again only at the recheck time, one over its target a pass later.
 */
const reclaim = (o: Observation, c: LadderConfig): { steps: Step[]; dueAt: number[] } => {
  const steps: Step[] = [];
  const dueAt: number[] = [];
  for (const v of o.containers.filter(reclaimable)) {
    const due = reclaimDueAt(v, c);
    if (due > o.now + c.reclaimIntervalMs / 2) {
      dueAt.push(due);
      continue;
    }
    const own = v.memory!.psi?.some.avg10 ?? 0;
    const target = v.policy.reclaim.targetPercent;
    const bytes = Math.max(c.reclaimMinBytes, Math.floor(v.memory!.current * c.reclaimRatio * (1 - own / target)));
    if (own >= target) dueAt.push(o.now + c.reclaimIntervalMs);
    else if (bytes >= v.memory!.current) dueAt.push(o.now + c.reclaimRecheckMs);
    else {
      steps.push(step(v, "reclaim", `own PSI some avg10 ${own}% < target ${target}%`, { bytes }));
      dueAt.push(o.now + c.reclaimIntervalMs);
    }
  }
  return { steps, dueAt };
};

const restarts = (o: Observation, level: Level): { steps: Step[]; dueAt: number[] } => {
  const steps: Step[] = [];
  const dueAt: number[] = [];
  for (const v of o.containers) {
    if (v.status !== "stopped" || !v.exit || v.managed.gaveUp) continue;
    const d = restartDecision(v.policy.restart, v.exit, v.restarts);
    if (!d.restart) {
      if (d.crashLoop) steps.push(step(v, "give-up", d.reason, {}));
      continue;
    }
    // Restarting into severe pressure would only feed the ladder another victim; wait for it to ease.
    if (d.at <= o.now && (level === "calm" || level === "tight")) steps.push(step(v, "restart", `restart policy '${v.policy.restart.mode}' after status ${v.exit.status}${v.exit.killedBy ? ` (killed by ${v.exit.killedBy})` : ""}, delay ${d.delayMs} ms`, {}));
    else dueAt.push(Math.max(d.at, o.now + 1));
  }
  return { steps, dueAt };
};

export const planLadder = (o: Observation, c: LadderConfig): Plan => {
  const { level, why } = assess(o, c);
  const r = restarts(o, level);
  const steps: Step[] = [];
  const due: number[] = [...r.dueAt];
  if (level !== "calm") {
    steps.push(...escalation(o, c, level, why));
    due.push(o.now + c.sampleMs);
  } else {
    const held = o.containers.some((v) => v.managed.throttledTo !== undefined || v.managed.frozenAt !== undefined);
    // Holds are undone one at a time, each after calm has lasted and the previous action has had time to show.
    const releaseAt = Math.max(o.lastPressureAt ?? -Infinity, o.lastActionAt ?? -Infinity) + c.releaseAfterMs;
    if (held && releaseAt <= o.now) steps.push(...release(o));
    else if (held) due.push(releaseAt);
    const rec = reclaim(o, c);
    steps.push(...rec.steps);
    due.push(...rec.dueAt);
  }
  steps.push(...r.steps);
  return { level, why, steps, ...(due.length ? { nextAt: Math.min(...due) } : {}) };
};
