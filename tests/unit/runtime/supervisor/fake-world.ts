// A device as the planner and executors see it, in memory: instances with their status, the user programs started
// per service, and a crash that stops the world after a given number of primitive actions (a daemon killed mid-step).
import { instanceId, isLive, type CurrentState, type Health, type Instance, type ServiceRuntime } from "../../../../runtime/supervisor/current-state.ts";
import type { Desired, DesiredService } from "../../../../runtime/supervisor/desired.ts";
import { desiredOf } from "../../../../runtime/supervisor/desired.ts";
import { planApply, type Plan } from "../../../../runtime/supervisor/planner.ts";
import { serviceHash } from "../../../../runtime/supervisor/spec-hash.ts";
import { executeStep, type ExecContext, type InstanceOps } from "../../../../runtime/supervisor/steps.ts";
import { decodeTarget } from "../../../../runtime/supervisor/target-state.ts";
import type { ExitRecord } from "../../../../runtime/memory/restart.ts";

export class Crash extends Error {
  override readonly name = "Crash";
}

/** A target document with bundle services (`extra` is merged into each service as written). */
export const target = (version: string, services: Record<string, Record<string, unknown>>): Desired => {
  const doc = { device: "board", version, services: Object.fromEntries(Object.entries(services).map(([n, s]) => [n, { bundle: `/bundles/${n}`, ...s }])) };
  const { target: t, written } = decodeTarget(doc);
  return desiredOf(t, new Map(Object.keys(t.services).map((n) => [n, serviceHash(written[n])])));
};

export class FakeWorld implements InstanceOps {
  readonly instances = new Map<string, Instance>();
  /** User programs started, per service: what "never started twice" counts. */
  readonly programStarts = new Map<string, number>();
  readonly calls: string[] = [];
  /** Primitive actions left before the crash (undefined: no crash). */
  crashIn: number | undefined;
  /** Instances whose health check fails; a new instance of the same spec starts healthy. */
  readonly sick = new Set<string>();

  private tick(what: string): void {
    if (this.crashIn !== undefined && this.crashIn-- <= 0) throw new Crash(`crash before ${what}`);
    this.calls.push(what);
  }

  /** An instance that runs (or ran) `d`'s spec. */
  put(d: DesiredService, status: Instance["status"]): Instance {
    const i: Instance = { id: instanceId(d.name, d.hash), service: d.name, hash: d.hash, status, dependsOn: d.dependsOn.map((x) => x.name), stopSignal: d.stopSignal, stopGraceMs: d.stopGraceMs };
    this.instances.set(i.id, i);
    return i;
  }

  async create(d: DesiredService, id: string): Promise<void> {
    if (this.instances.has(id)) throw new Error(`Container '${id}' already exists`);
    this.tick(`create ${id}`);
    // Creation has a middle: the state directory exists while the setup stage is not ready yet.
    const i = this.put(d, "creating");
    this.sick.delete(id);
    this.tick(`created ${id}`);
    i.status = "created";
  }

  async start(d: DesiredService, id: string): Promise<void> {
    const i = this.instances.get(id);
    if (i?.status !== "created") throw new Error(`Cannot start container '${id}': it is ${i?.status ?? "absent"}`);
    this.tick(`start ${id}`);
    i.status = "running";
    this.programStarts.set(d.name, (this.programStarts.get(d.name) ?? 0) + 1);
  }

  async stop(id: string, signal: number): Promise<ExitRecord | undefined> {
    const i = this.instances.get(id);
    if (!i || !isLive(i)) return undefined;
    this.tick(`stop ${id}`);
    i.status = "stopped";
    return { at: Date.now(), status: 128 + signal };
  }

  async remove(id: string): Promise<void> {
    const i = this.instances.get(id);
    if (!i) return;
    if (isLive(i)) throw new Error(`Cannot delete container '${id}': it is ${i.status}`);
    this.tick(`remove ${id}`);
    this.instances.delete(id);
  }

  /** Services that run their desired spec are healthy unless listed in `unhealthy` or their instance is sick. */
  current(desired: Desired, runtime: ReadonlyMap<string, ServiceRuntime> = new Map(), unhealthy: ReadonlySet<string> = new Set()): CurrentState {
    const rt = new Map(runtime);
    for (const d of desired.services.values()) {
      const running = [...this.instances.values()].find((i) => i.service === d.name && i.hash === d.hash && isLive(i));
      const health: Health = !d.spec.healthCheck ? "none" : !running ? "starting" : unhealthy.has(d.name) || this.sick.has(running.id) ? "unhealthy" : "healthy";
      rt.set(d.name, { ...(rt.get(d.name) ?? { restarts: [] }), health });
    }
    return { instances: [...this.instances.values()], runtime: rt };
  }
}

export const context = (world: FakeWorld, desired: Desired, failedBy: ExecContext["failedBy"] = () => {}): ExecContext => ({
  ops: world,
  desired: (name) => desired.services.get(name)!,
  failedBy,
});

/**
 * Plans and executes until a plan has no steps, as the daemon does: exits it caused and restarts it made go into the
 * runtime, and time moves on to a plan's `nextAt` (a restart's backoff). Returns the plans.
 */
export const converge = async (world: FakeWorld, desired: Desired, runtime = new Map<string, ServiceRuntime>(), start = 0): Promise<Plan[]> => {
  const plans: Plan[] = [];
  let now = start;
  const rt = (name: string): ServiceRuntime => runtime.get(name) ?? { health: "none", restarts: [] };
  for (let pass = 0; pass < 30; pass++) {
    const plan = planApply(desired, world.current(desired, runtime), now);
    plans.push(plan);
    if (!plan.steps.length) {
      if (plan.nextAt === undefined) return plans;
      now = plan.nextAt;
      continue;
    }
    for (const step of plan.steps) {
      if (step.action === "start" && step.restart) runtime.set(step.service, { ...rt(step.service), restarts: [...rt(step.service).restarts, now] });
      await executeStep(step, context(world, desired, (service, exit) => runtime.set(service, { ...rt(service), exit: { ...exit, at: now } })));
    }
  }
  throw new Error("no convergence in 30 passes");
};
