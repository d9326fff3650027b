// The service manager: holds the target, observes the instances of the state root, runs the apply loop whenever
// something changes (a new target, an exit, a health change, a restart's backoff ending), journals the target and
// every step, checks health, and collects each service's output into its log ring. `bunker daemon` runs one for its
// whole life; `bunker apply` without a daemon runs one until the target is reached.
import type { InstanceFacts } from "./instance-facts.ts";
import type { ExitRecord } from "../memory/restart.ts";
import { parseSize } from "../units.ts";
import { ApplyLoop, abortableSleep, type ApplyLoopDeps, type ApplyResult, type StepFailure } from "./apply-loop.ts";
import { instanceOf, isLive, type CurrentState, type Health, type Instance, type ServiceRuntime } from "./current-state.ts";
import type { Desired } from "./desired.ts";
import { healthTiming } from "./health.ts";
import { HealthMonitors } from "./health-monitor.ts";
import type { HealthProbe } from "./health-probe.ts";
import type { OutputCollector } from "./output-fifos.ts";
import { planApply, planShutdown, type Plan, type ServicePlan } from "./planner.ts";
import { resolveTarget } from "./resolve-target.ts";
import type { ServiceEvent } from "./service-events.ts";
import type { DeviceStatus, ServiceStatus } from "./status.ts";
import { describeStep, executeStep, type ExecContext, type InstanceOps, type Step } from "./steps.ts";
import { parseTarget } from "./target-state.ts";

/** A step the journal shows begun and never ended. */
export interface JournaledStep {
  service: string;
  action: string;
  detail: string;
}

/** What the service manager keeps in the state journal (service-journal.ts): durable when each call returns. */
export interface ServiceJournal {
  /** At open: the last target document recorded, and a step begun but not ended. */
  recovered(): { target?: { document: string; file: string }; step?: JournaledStep };
  target(document: string, file: string, version: string): void;
  begun(step: Step): void;
  ended(step: Step, outcome: "done" | "failed", detail: string): void;
}

export interface ListedInstance {
  id: string;
  status: string;
  annotations: Record<string, string>;
}

export interface ServiceManagerDeps {
  ops: InstanceOps;
  /** The containers of the state root. */
  list(): ListedInstance[];
  journal: ServiceJournal;
  probe: HealthProbe;
  /** Collects a service's output into its log ring (the daemon); absent: output waits in its pipes. */
  collect?(service: string, maxBytes: number): OutputCollector;
  /** Figures of a running instance for `status`. */
  inspect(instance: string): InstanceFacts;
  sink(e: ServiceEvent): void;
  warn(msg: string): void;
  now?(): number;
  loop?: Partial<Pick<ApplyLoopDeps, "backoffMs" | "backoffCapMs" | "failedPasses" | "sleep">>;
}

export interface ApplyReport {
  device: string;
  version: string;
  /** The plan against what runs now: what a dry run prints. */
  plan: { steps: string[]; services: ServicePlan[] };
  /** After the apply loop: the steps carried out, the failures, and each service's verdict then. */
  result?: { done: string[]; failures: { service: string; step: string; error: string }[]; services: ServicePlan[] };
}

/** What a health gate (the OTA switch) learns of one service within its window. */
export type GateResult =
  | { service: string; outcome: "healthy" | "running" }
  | { service: string; outcome: "unhealthy" | "crash-loop" | "exited" | "timeout"; detail: string };

/** A target document is journaled as one record. */
export const MAX_TARGET_BYTES = 30 * 1024;

/** How long a retry waits after the loop gave up on failing steps, when nothing else happens. */
const RETRY_MS = 60_000;

const serviceOfInstance = (id: string): string => id.slice(0, Math.max(0, id.indexOf(".")));

export class ServiceManager {
  private desired: Desired | undefined;
  /** Per service: the exit the restart policy answers (cleared by a start), the last exit (for status), restarts. */
  private readonly runtime = new Map<string, { exit?: ExitRecord; lastExit?: ExitRecord; restarts: number[] }>();
  private readonly monitors: HealthMonitors;
  private readonly collectors = new Map<string, OutputCollector>();
  /** Instances the manager is stopping itself, and how their exit counts. */
  private readonly stopping = new Map<string, "planned" | "health-check">();
  private readonly listeners = new Set<() => void>();
  private readonly loop: ApplyLoop;
  private lastPlan: Plan = { steps: [], services: [] };
  private failures: StepFailure[] = [];
  private interrupted: JournaledStep | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stepSince: number | undefined;
  /** Set once this manager applies (and so checks health). */
  private checking = false;
  private closed = false;
  private readonly now: () => number;

  constructor(private readonly d: ServiceManagerDeps) {
    this.now = d.now ?? Date.now;
    this.monitors = new HealthMonitors({
      probe: d.probe,
      statusOf: (id) => this.instances().find((i) => i.id === id)?.status,
      now: this.now,
      changed: (w, before, after, detail) => {
        this.event({ service: w.service, instance: w.instance, event: "health", detail: `${before} -> ${after}: ${detail}` });
        // Gates hear of it before the apply that answers it replaces the instance.
        this.notify();
        this.reconcile();
      },
    });
    this.loop = new ApplyLoop({
      plan: () => this.plan(),
      execute: (step) => this.execute(step),
      sleep: abortableSleep,
      ...d.loop,
    });
  }

  /** Takes up the journaled target (if any) and applies it: what runs and matches it is left alone. */
  async start(): Promise<ApplyResult | undefined> {
    return this.load() ? this.applyNow() : undefined;
  }

  /** Takes up the journaled target without applying it (for `status` when no daemon runs); false without one. */
  load(): boolean {
    const { target, step } = this.d.journal.recovered();
    if (step) {
      this.interrupted = step;
      this.event({ service: step.service, event: "recovered", detail: `step '${step.action}' was in progress when the last daemon stopped: ${step.detail}` });
    }
    if (!target) return false;
    try {
      this.adopt(target.document, target.file);
      return true;
    } catch (err) {
      this.d.warn(`The journaled target (${target.file}) no longer resolves, nothing is applied: ${(err as Error).message}`);
      return false;
    }
  }

  /** How long a target's health checks may take to say healthy: what `apply` without a daemon waits at most. */
  healthWindowMs(): number {
    let ms = 0;
    for (const d of this.desired?.services.values() ?? []) {
      const h = d.spec.healthCheck;
      if (!h) continue;
      const t = healthTiming(h);
      ms += t.startPeriodMs + (t.retries + 1) * Math.max(t.intervalMs, t.startIntervalMs) + t.timeoutMs;
    }
    return Math.min(ms, 10 * 60_000);
  }

  /** Checks a target document; unless `dryRun`, journals it (durable before anything changes) and applies it. */
  async apply(document: string, file: string, opts: { dryRun: boolean }): Promise<ApplyReport> {
    if (Buffer.byteLength(document) > MAX_TARGET_BYTES) throw new Error(`Apply ${file}: ${Buffer.byteLength(document)} bytes; a target state must fit the journal's ${MAX_TARGET_BYTES}`);
    const desired = resolveTarget(parseTarget(document, file), file);
    const plan = planApply(desired, this.current(desired), this.now());
    const report: ApplyReport = { device: desired.device, version: desired.version, plan: { steps: plan.steps.map(describeStep), services: plan.services } };
    if (opts.dryRun) return report;
    this.d.journal.target(document, file, desired.version);
    this.event({ service: "device", event: "target", detail: `version '${desired.version}' from ${file}` });
    this.adopt(document, file, desired);
    const r = await this.applyNow();
    report.result = {
      done: r.done.map(describeStep),
      failures: r.failures.map((f) => ({ service: f.step.service, step: describeStep(f.step), error: f.error })),
      services: r.plan.services,
    };
    return report;
  }

  /** The init of an instance exited (seen by the daemon's supervisor, or as the exit of our child). */
  exited(id: string, exit: ExitRecord): void {
    const service = serviceOfInstance(id);
    const why = this.stopping.get(id);
    if (why === "health-check") this.stopping.delete(id);
    this.event({ service, instance: id, event: "exit", detail: `status ${exit.status}${exit.killedBy ? `, killed by ${exit.killedBy}` : ""}${why === "planned" ? " (stopped by a step)" : ""}` });
    if (why === "planned") return;
    const d = this.desired?.services.get(service);
    if (!d || !id.startsWith(`${service}.${d.hash.slice(0, 12)}`)) return;
    const rt = this.rt(service);
    rt.exit = rt.lastExit = why === "health-check" ? { ...exit, killedBy: "health-check" } : exit;
    this.monitors.drop(service);
    this.notify();
    this.reconcile();
  }

  /** Writes a service's buffered output to its log ring now; false when its output is not collected here. */
  flushLogs(service: string): boolean {
    const c = this.collectors.get(service);
    c?.flush();
    return c !== undefined;
  }

  /** One document: target version, each service's state (with health only the daemon knows). */
  status(daemon: DeviceStatus["daemon"]): DeviceStatus {
    const current = this.current(this.desired);
    const names = new Set([...(this.desired?.services.keys() ?? []), ...current.instances.map((i) => i.service)]);
    const services = [...names].sort().map((name) => this.serviceStatus(name, current));
    return {
      ...(this.desired ? { device: this.desired.device, version: this.desired.version } : {}),
      daemon,
      converged:
        this.desired !== undefined && this.checking && !this.loop.busy && !this.failures.length &&
        this.lastPlan.steps.length === 0 && this.lastPlan.services.every((s) => !["waiting", "restart-pending", "start", "stop", "recreate"].includes(s.verdict)),
      ...(this.interrupted ? { interruptedStep: this.interrupted } : {}),
      failures: this.failures.map((f) => ({ service: f.step.service, step: describeStep(f.step), error: f.error })),
      services,
    };
  }

  /**
   * The health gate of one service (what an OTA switch waits on): healthy (or, without a health check, still running
   * when the window ends); or unhealthy, crash-looping, exited, or not healthy in time.
   */
  gate(service: string, windowMs: number): Promise<GateResult> {
    const deadline = this.now() + windowMs;
    return new Promise((resolve) => {
      const evaluate = (): void => {
        const d = this.desired?.services.get(service);
        const verdict = this.lastPlan.services.find((s) => s.service === service);
        const current = this.current(this.desired);
        const cur = d && current.instances.find((i) => i.service === service && i.hash === d.hash);
        const health = this.healthOf(service, current);
        let r: GateResult | undefined;
        if (!d) r = { service, outcome: "exited", detail: "not in the target" };
        else if (verdict?.verdict === "crash-loop") r = { service, outcome: "crash-loop", detail: verdict.reason };
        else if (health === "unhealthy") r = { service, outcome: "unhealthy", detail: this.monitors.stateOf(service)?.last?.detail ?? "health check failed" };
        else if (verdict?.verdict === "exited") r = { service, outcome: "exited", detail: verdict.reason };
        else if (d.spec.healthCheck && health === "healthy") r = { service, outcome: "healthy" };
        else if (this.now() >= deadline)
          r = !d.spec.healthCheck && cur && isLive(cur) ? { service, outcome: "running" } : { service, outcome: "timeout", detail: `not ${d.spec.healthCheck ? "healthy" : "running"} within ${windowMs} ms` };
        if (!r) return;
        this.listeners.delete(evaluate);
        clearTimeout(timer);
        resolve(r);
      };
      const timer = setTimeout(evaluate, Math.max(0, deadline - this.now()));
      this.listeners.add(evaluate);
      evaluate();
    });
  }

  /** Whether a step has run for longer than any step should (its stop grace plus a minute): the heartbeat stops. */
  stuck(limitMs: number): boolean {
    return this.stepSince !== undefined && this.now() - this.stepSince > limitMs;
  }

  /** Resolves once the last apply is done and no service waits any more (or after `ms`). */
  async settled(ms: number): Promise<DeviceStatus> {
    const end = this.now() + ms;
    while (this.now() < end && (this.loop.busy || this.lastPlan.services.some((s) => s.verdict === "waiting" || s.verdict === "restart-pending")))
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          this.listeners.delete(wake);
          clearTimeout(t);
          resolve();
        };
        const t = setTimeout(wake, Math.max(0, Math.min(1000, end - this.now())));
        this.listeners.add(wake);
      });
    return this.status({ running: false });
  }

  /** The device shuts down: every instance stops, dependents first. Returns once all are stopped. */
  async shutdown(): Promise<string[]> {
    this.closed = true;
    clearTimeout(this.timer);
    this.monitors.dropAll();
    await this.loop.stop();
    const errors: string[] = [];
    for (const step of planShutdown(this.current(this.desired)).steps) {
      try {
        await this.execute(step);
      } catch (err) {
        errors.push(`${describeStep(step)}: ${(err as Error).message}`);
      }
    }
    await this.closeCollectors();
    return errors;
  }

  /** Stops watching; the services keep running (a daemon restart re-adopts them). */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.monitors.dropAll();
    await this.loop.stop();
    await this.closeCollectors();
  }

  private adopt(document: string, file: string, desired = resolveTarget(parseTarget(document, file), file)): void {
    this.desired = desired;
    // Each service of the target gets its output collected; those that left keep theirs until they are stopped.
    if (this.d.collect)
      for (const s of desired.services.values())
        if (!this.collectors.has(s.name)) {
          try {
            this.collectors.set(s.name, this.d.collect(s.name, parseSize(s.spec.logs.maxBytes)));
          } catch (err) {
            this.d.warn(`Collecting the output of service '${s.name}': ${(err as Error).message}`);
          }
        }
  }

  private rt(service: string): { exit?: ExitRecord; lastExit?: ExitRecord; restarts: number[] } {
    let r = this.runtime.get(service);
    if (!r) this.runtime.set(service, (r = { restarts: [] }));
    return r;
  }

  private instances(): Instance[] {
    return this.d.list().flatMap((c) => {
      const i = instanceOf(c);
      return i ? [i] : [];
    });
  }

  private healthOf(service: string, current: CurrentState): Health {
    const d = this.desired?.services.get(service);
    if (!d?.spec.healthCheck) return "none";
    const cur = current.instances.find((i) => i.service === service && i.hash === d.hash && isLive(i));
    return (cur && this.monitors.stateOf(service, cur.id)?.status) ?? "starting";
  }

  private current(desired: Desired | undefined): CurrentState {
    const instances = this.instances();
    const runtime = new Map<string, ServiceRuntime>();
    const partial: CurrentState = { instances, runtime };
    for (const name of desired?.services.keys() ?? []) {
      const r = this.runtime.get(name);
      runtime.set(name, { health: this.healthOf(name, partial), restarts: r?.restarts ?? [], ...(r?.exit ? { exit: r.exit } : {}) });
    }
    return partial;
  }

  private plan(): Plan {
    return planApply(this.desired, this.current(this.desired), this.now());
  }

  private async execute(step: Step): Promise<void> {
    const at = this.now();
    if (step.action === "start" && step.restart) {
      // Counted before trying, so a restart that keeps failing backs off and ends as a crash loop.
      this.rt(step.service).restarts.push(at);
    }
    if (step.action === "start" || step.action === "recreate") {
      delete this.rt(step.service).exit;
      this.monitors.drop(step.service);
    }
    const stopped = step.action === "stop" ? [step.instance] : step.action === "recreate" ? step.from.map((f) => f.instance) : step.action === "stop-unhealthy" ? [step.instance] : [];
    for (const id of stopped) this.stopping.set(id, step.action === "stop-unhealthy" ? "health-check" : "planned");
    this.stepSince = at;
    this.d.journal.begun(step);
    this.event({ service: step.service, event: "step", outcome: "begun", detail: describeStep(step) });
    const ctx: ExecContext = {
      ops: this.d.ops,
      desired: (name) => {
        const d = this.desired?.services.get(name);
        if (!d) throw new Error(`Service '${name}' is not in the target`);
        return d;
      },
      failedBy: (service, exit) => {
        const rt = this.rt(service);
        rt.exit = rt.lastExit = exit;
        this.monitors.drop(service);
      },
    };
    try {
      await executeStep(step, ctx);
      this.d.journal.ended(step, "done", "");
      this.event({ service: step.service, event: "step", outcome: "done", detail: describeStep(step) });
    } catch (err) {
      const detail = (err as Error).message;
      this.journalEnd(step, detail);
      this.event({ service: step.service, event: "step", outcome: "failed", detail: `${describeStep(step)}: ${detail}` });
      throw err;
    } finally {
      this.stepSince = undefined;
      for (const id of stopped) if (step.action !== "stop-unhealthy") this.stopping.delete(id);
      // A stopped service's output is collected until its last instance is gone.
      if (step.action === "stop" && !this.desired?.services.has(step.service)) await this.closeCollector(step.service);
    }
  }

  private journalEnd(step: Step, detail: string): void {
    try {
      this.d.journal.ended(step, "failed", detail);
    } catch (err) {
      this.d.warn(`Journal the failure of '${describeStep(step)}': ${(err as Error).message}`);
    }
  }

  private applyNow(): Promise<ApplyResult> {
    this.checking = true;
    return this.loop.apply().then((r) => {
      this.afterApply(r);
      return r;
    });
  }

  private reconcile(): void {
    if (this.closed) return;
    this.applyNow().catch((err: unknown) => this.d.warn(`Apply the target: ${(err as Error).message}`));
  }

  private afterApply(r: ApplyResult): void {
    const before = new Map(this.lastPlan.services.map((s) => [s.service, s.verdict]));
    this.lastPlan = r.plan;
    this.failures = r.failures;
    if (!r.failures.length && !r.aborted) this.interrupted = undefined;
    for (const s of r.plan.services)
      if (s.verdict === "crash-loop" && before.get(s.service) !== "crash-loop") this.event({ service: s.service, event: "crash-loop", detail: s.reason });
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.closed) {
      const due = [r.plan.nextAt, r.failures.length ? this.now() + RETRY_MS : undefined].filter((t): t is number => t !== undefined);
      if (due.length) this.timer = setTimeout(() => this.reconcile(), Math.max(0, Math.min(...due) - this.now()));
      this.syncMonitors();
    }
    this.notify();
  }

  private notify(): void {
    for (const l of [...this.listeners]) l();
  }

  /** A health monitor for each service whose desired instance runs and has a health check; none for the others. */
  private syncMonitors(): void {
    const current = this.current(this.desired);
    this.monitors.sync(
      [...(this.desired?.services.values() ?? [])].flatMap((d) => {
        const cur = current.instances.find((i) => i.service === d.name && i.hash === d.hash && isLive(i));
        return d.spec.healthCheck && cur ? [{ service: d.name, instance: cur.id, check: d.spec.healthCheck }] : [];
      }),
    );
  }

  private serviceStatus(name: string, current: CurrentState): ServiceStatus {
    const d = this.desired?.services.get(name);
    const mine = current.instances.filter((i) => i.service === name);
    const inst = (d && mine.find((i) => i.hash === d.hash)) ?? mine.find(isLive) ?? mine[0];
    const plan = this.lastPlan.services.find((s) => s.service === name);
    const rt = this.runtime.get(name);
    const facts = inst && isLive(inst) ? this.d.inspect(inst.id) : {};
    const monitor = this.monitors.stateOf(name);
    return {
      name,
      desired: d ? "running" : "absent",
      actual: inst ? inst.status : "absent",
      ...(inst ? { instance: inst.id } : {}),
      ...(plan ? { verdict: plan.verdict, reason: plan.reason } : {}),
      // Health is known to a manager that checks it, not to one that only read the journal.
      health: !d?.spec.healthCheck ? "none" : this.checking ? this.healthOf(name, current) : "unknown",
      ...(monitor?.last ? { healthDetail: monitor.last.detail } : {}),
      restarts: rt?.restarts.length ?? 0,
      ...(rt?.lastExit ? { lastExit: { status: rt.lastExit.status, at: new Date(rt.lastExit.at).toISOString(), ...(rt.lastExit.killedBy ? { killedBy: rt.lastExit.killedBy } : {}) } } : {}),
      memory: { class: d?.spec.memory.class ?? "normal", ...(facts.memoryBytes !== undefined ? { currentBytes: facts.memoryBytes } : {}) },
      ...(facts.uptimeS !== undefined ? { uptimeS: facts.uptimeS } : {}),
      ...(facts.network ? { network: facts.network } : {}),
    };
  }

  private event(e: Omit<ServiceEvent, "time">): void {
    this.d.sink({ time: new Date(this.now()).toISOString(), ...e });
  }

  private async closeCollector(service: string): Promise<void> {
    const c = this.collectors.get(service);
    this.collectors.delete(service);
    await c?.close();
  }

  private async closeCollectors(): Promise<void> {
    for (const service of [...this.collectors.keys()]) await this.closeCollector(service);
  }
}
