// The service manager's planner, a pure function: target × current state (× the time, for restart backoff) in,
// typed steps out, plus a verdict per service for `apply` and `status`. Applied again after the steps have run, it
// returns what is left; with nothing left it returns no steps. It never asks to start an instance that runs the
// desired spec, and it plans from what exists, so a plan cut short anywhere is finished by the next one.
import { restartDecision } from "../memory/restart.ts";
import { isLive, NO_RUNTIME, type CurrentState, type Instance, type ServiceRuntime } from "./current-state.ts";
import { dependencyOrder } from "./dependency-order.ts";
import type { Desired, DesiredService } from "./desired.ts";
import type { Step } from "./steps.ts";

export const VERDICTS = ["start", "stop", "recreate", "untouched", "waiting", "restart-pending", "exited", "crash-loop"] as const;
export type Verdict = (typeof VERDICTS)[number];

export interface ServicePlan {
  service: string;
  verdict: Verdict;
  reason: string;
}

export interface Plan {
  steps: Step[];
  services: ServicePlan[];
  /** When the plan must be made again without any event (a restart's backoff ends). */
  nextAt?: number;
}

const stopOf = (i: Instance) => ({ instance: i.id, signal: i.stopSignal, graceMs: i.stopGraceMs });

/** Stop steps for `instances`, dependents first (by the dependencies each instance was started with). */
const stopsInReverseOrder = (instances: Instance[], reason: (i: Instance) => string): Step[] => {
  const graph = new Map<string, string[]>();
  for (const i of instances) graph.set(i.service, [...(graph.get(i.service) ?? []), ...i.dependsOn]);
  let order: string[];
  try {
    order = dependencyOrder(graph).reverse();
  } catch {
    // Instances of different targets may disagree into a cycle; any order then stops everything.
    order = [...graph.keys()].sort();
  }
  return order.flatMap((service) =>
    instances.filter((i) => i.service === service).map((i): Step => ({ action: "stop", service, reason: reason(i), ...stopOf(i) })),
  );
};

/** Why `d` cannot start yet, or undefined when every dependency is as its condition asks. */
const unmet = (d: DesiredService, desired: Desired, current: CurrentState): string | undefined => {
  for (const dep of d.dependsOn) {
    const want = desired.services.get(dep.name)!;
    const running = current.instances.find((i) => i.service === dep.name && i.hash === want.hash && isLive(i));
    if (!running) return `waits for '${dep.name}' to be started`;
    if (dep.condition === "healthy" && (current.runtime.get(dep.name) ?? NO_RUNTIME).health !== "healthy") return `waits for '${dep.name}' to be healthy`;
  }
  return undefined;
};

/** A replacement counts as ready for the hand-over once it runs and, with a health check, is healthy. */
const ready = (d: DesiredService, rt: ServiceRuntime): boolean => !d.spec.healthCheck || rt.health === "healthy";

export const planApply = (desired: Desired | undefined, current: CurrentState, now: number): Plan => {
  // Without a target the service manager has no opinion: it neither starts nor stops anything.
  if (!desired) return { steps: [], services: [] };
  const services: ServicePlan[] = [];
  const due: number[] = [];
  const gone = current.instances.filter((i) => !desired.services.has(i.service));
  const stops = stopsInReverseOrder(gone, () => `not in target version '${desired.version}'`);
  for (const name of new Set(gone.map((i) => i.service))) services.push({ service: name, verdict: "stop", reason: `not in target version '${desired.version}'` });

  const steps: Step[] = [];
  const order = dependencyOrder(new Map([...desired.services.values()].map((d) => [d.name, d.dependsOn.map((x) => x.name)])));
  for (const name of order) {
    const d = desired.services.get(name)!;
    const rt = current.runtime.get(name) ?? NO_RUNTIME;
    const mine = current.instances.filter((i) => i.service === name);
    const cur = mine.find((i) => i.hash === d.hash);
    const old = mine.filter((i) => i.hash !== d.hash);
    const say = (verdict: Verdict, reason: string): void => void services.push({ service: name, verdict, reason });

    if (cur && isLive(cur)) {
      if (old.length && ready(d, rt)) {
        steps.push(...old.map((o): Step => ({ action: "stop", service: name, reason: `replaced by ${cur.id}`, ...stopOf(o) })));
        say("recreate", `hand-over: ${cur.id} is ready, ${old.map((o) => o.id).join(", ")} stop`);
      } else if (old.length) say("waiting", `hand-over: ${cur.id} runs, not healthy yet; ${old.map((o) => o.id).join(", ")} keep running`);
      else if (rt.health === "unhealthy" && d.restart.mode !== "no") {
        steps.push({ action: "stop-unhealthy", service: name, reason: `health check failed ${d.spec.healthCheck?.retries} times`, ...stopOf(cur) });
        say("stop", "unhealthy: stopped for its restart policy");
      } else say("untouched", rt.health === "unhealthy" ? "unhealthy, restart policy 'no'" : "spec unchanged");
      continue;
    }

    let restart = false;
    if (cur?.status === "stopped") {
      // An exit no daemon saw (it happened while none ran) counts as a failure long past: restarted at once, the
      // next exit is timed.
      const exit = rt.exit ?? { at: Number.NEGATIVE_INFINITY, status: 255 };
      const decision = restartDecision(d.restart, exit, rt.restarts);
      if (!decision.restart) {
        say(decision.crashLoop ? "crash-loop" : "exited", `exited with status ${exit.status}: ${decision.reason}`);
        continue;
      }
      if (decision.at > now) {
        due.push(decision.at);
        say("restart-pending", `exited with status ${exit.status}; restart in ${decision.at - now} ms`);
        continue;
      }
      restart = true;
    }
    const waiting = unmet(d, desired, current);
    if (waiting) {
      say("waiting", waiting);
      continue;
    }
    const clear = cur !== undefined;
    const liveOld = old.filter(isLive);
    if (liveOld.length && d.spec.strategy === "stop-then-start") {
      steps.push({ action: "recreate", service: name, hash: d.hash, clear, from: old.map(stopOf), reason: "spec changed" });
      say("recreate", `spec changed: ${old.map((o) => o.id).join(", ")} stop, then ${d.hash.slice(0, 12)} starts`);
      continue;
    }
    // Old instances that no longer run go before the start; live ones (start-then-stop) once the new one is ready.
    steps.push(...old.filter((o) => !isLive(o)).map((o): Step => ({ action: "stop", service: name, reason: "replaced: it no longer runs", ...stopOf(o) })));
    const reason = restart ? `restart policy '${d.restart.mode}' after status ${(rt.exit ?? { status: 255 }).status}` : cur ? `instance ${cur.id} is ${cur.status}` : old.length ? "spec changed" : "not running";
    steps.push({ action: "start", service: name, hash: d.hash, clear, restart, reason });
    say(old.length ? "recreate" : "start", reason);
  }
  return { steps: [...stops, ...steps], services, ...(due.length ? { nextAt: Math.min(...due) } : {}) };
};

/** The device shuts down: every instance stops, dependents first, and is removed (the next start begins afresh). */
export const planShutdown = (current: CurrentState): Plan => {
  const steps = stopsInReverseOrder(current.instances, () => "the daemon stops");
  return { steps, services: [...new Set(current.instances.map((i) => i.service))].map((service) => ({ service, verdict: "stop", reason: "the daemon stops" })) };
};
