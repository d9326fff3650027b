// The memory core: kernel notifications in (core-watches.ts), the ladder's plan computed from what it observes, its
// steps carried out one apply at a time (actuator.ts), every action recorded. Idle, it has no timer at all; it samples
// only while pressure lasts or a reclaim or restart is due (the plan's nextAt).
import type { CgroupFs } from "../cgroups/fs.ts";
import { describeError } from "../errors.ts";
import type { EpollWatch } from "../watch/epoll.ts";
import { applyStep, liftHold, type StepResult } from "./actuator.ts";
import { readCgroupMemory, readSystemMemory } from "./cgroup-memory.ts";
import { SYSTEM_TRIGGERS } from "./classes.ts";
import { CoreWatches } from "./core-watches.ts";
import { recorder, type EventSink, type Recorder } from "./event-log.ts";
import type { Hold, HoldStore } from "./holds.ts";
import { planLadder, type LadderConfig, type Plan, type Step } from "./ladder.ts";
import { changesHolds, stepFinished, stepIssued } from "./managed.ts";
import { viewContainers } from "./observe.ts";
import { stallTotals, type CoreContainer, type Managed, type MemoryCgroupPaths, type Observation, type Signal, type StallTotals, type SystemMemory } from "./observation.ts";
import { answerOom, type OomReserve } from "./oom-v1.ts";
import type { MemoryPolicy } from "./policy.ts";
import { applyMemoryPolicy } from "./protect.ts";
import type { ExitRecord } from "./restart.ts";

export interface CoreDeps {
  fs: CgroupFs;
  config: LadderConfig;
  sink: EventSink;
  containers(): CoreContainer[];
  restart(id: string): Promise<void>;
  /** Memory the v1 OOM handler may grant; spent grants are subtracted. */
  reserve: OomReserve;
  /** cgroup v1: the memory hierarchy's root, whose memory.pressure_level speaks for the whole system. */
  v1Root?: string;
  /** The epoll worker, shared with the supervisor's pidfd watches. */
  watch: EpollWatch;
  /** Where the holds (throttles, freezes) outlive this daemon; absent: they live in memory only. */
  holds?: HoldStore;
  now?: () => number;
}

const MAX_PASSES = 8;
/** Stall snapshots kept at most (a few seconds of passes under pressure). */
const MAX_STALL_SNAPSHOTS = 32;

export class MemoryCore {
  private readonly managed = new Map<string, Managed>();
  private readonly oomKilled = new Set<string>();
  private readonly watches: CoreWatches;
  private readonly record: Recorder;
  private signals: Signal[] = [];
  private pending: Signal[] = [];
  private lastPressureAt: number | undefined;
  private lastActionAt: number | undefined;
  /** Stall totals of recent passes, oldest first: the ladder compares with one that covers every fresh signal. */
  private stalls: { at: number; totals: StallTotals }[] = [];
  private busy = false;
  private stopped = false;
  private again = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Holds a previous daemon left, taken up as their containers are attached. */
  private left: Record<string, Hold> = {};
  private saved = "{}";
  private readonly now: () => number;

  constructor(private readonly d: CoreDeps) {
    this.now = d.now ?? Date.now;
    this.record = recorder(d.sink, this.now);
    this.watches = new CoreWatches({
      fs: d.fs, watch: d.watch, record: this.record, ...(d.v1Root ? { v1Root: d.v1Root } : {}),
      signal: (s) => this.signal(s),
      oomKilled: (id, at) => this.kernelOomKill(id, at),
      v1Oom: (id, dir, at) => this.onV1Oom(id, dir, at),
    });
  }

  start(): void {
    this.left = this.d.holds?.load() ?? {};
    this.saved = JSON.stringify(this.left);
    this.watches.watchSystem();
    // A first pass sets the timers the plan asks for (reclaim) and has the planning code compiled before it is urgent.
    this.schedule();
  }

  /** Stops watching and releases every hold: a container is never left frozen or throttled by a daemon gone. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    for (const source of this.watches.sources()) this.watches.unwatch(source);
    for (const [id, m] of this.managed) {
      if (m.throttledTo === undefined && m.frozenAt === undefined) continue;
      const where = this.d.containers().find((c) => c.id === id)?.paths;
      try {
        if (where) liftHold(this.d.fs, where);
        this.record({ container: id, action: "release", outcome: "done", reason: "the daemon stops: holds released", detail: "throttle lifted, thawed" });
      } catch (err) {
        this.record({ container: id, action: "release", outcome: "failed", reason: "the daemon stops: holds released", detail: describeError(err) });
      }
      delete m.throttledTo;
      delete m.frozenAt;
    }
    this.left = {};
    this.saveHolds();
  }

  /** Takes up what a previous daemon held on this container, as far as its cgroup still shows it. */
  private takeUp(c: CoreContainer, where: MemoryCgroupPaths, m: Managed): void {
    const hold = this.left[c.id];
    if (!hold) return;
    delete this.left[c.id];
    let memory: ReturnType<typeof readCgroupMemory>;
    try {
      memory = readCgroupMemory(this.d.fs, where);
    } catch {
      return;
    }
    const now = this.now();
    if (hold.frozen && memory.frozen) m.frozenAt = now;
    if (hold.throttledTo !== undefined && memory.high === hold.throttledTo) m.throttledTo = hold.throttledTo;
    if (m.frozenAt === undefined && m.throttledTo === undefined) return;
    // Released after calm has lasted from now, as if just set: the pressure that made it may not be over.
    this.lastActionAt = now;
    const detail = [m.frozenAt !== undefined ? "frozen" : "", m.throttledTo !== undefined ? `memory.high ${m.throttledTo}` : ""].filter(Boolean).join(", ");
    this.record({ container: c.id, class: c.policy.class, action: "adopt-hold", outcome: "done", reason: "left by the previous daemon", detail });
  }

  private saveHolds(): void {
    if (!this.d.holds) return;
    // Only containers that still exist: a hold of one deleted meanwhile has nothing left to undo.
    const known = new Set(this.d.containers().map((c) => c.id));
    const holds: Record<string, Hold> = Object.fromEntries(Object.entries(this.left).filter(([id]) => known.has(id)));
    for (const [id, m] of this.managed)
      if (known.has(id) && (m.throttledTo !== undefined || m.frozenAt !== undefined))
        holds[id] = { ...(m.throttledTo !== undefined ? { throttledTo: m.throttledTo } : {}), ...(m.frozenAt !== undefined ? { frozen: true } : {}) };
    const text = JSON.stringify(holds);
    if (text === this.saved) return;
    try {
      this.d.holds.save(holds);
      this.saved = text;
    } catch (err) {
      this.record({ container: "system", action: "watch-failed", outcome: "failed", reason: "saving the memory core's holds", detail: describeError(err) });
    }
  }

  /** Starts watching a running container's cgroup and applies its policy's protection and swap settings. */
  attach(c: CoreContainer): void {
    if (!c.paths || this.watches.has(c.id)) return;
    const m = this.managed.get(c.id) ?? {};
    this.managed.set(c.id, m);
    this.takeUp(c, c.paths, m);
    try {
      applyMemoryPolicy(this.d.fs, c.paths, c.policy);
    } catch (err) {
      this.record({ container: c.id, class: c.policy.class, action: "watch-failed", outcome: "failed", reason: "memory policy not applied", detail: describeError(err) });
    }
    this.watches.watchContainer(c.id, c.policy.class, c.paths);
    this.schedule();
  }

  detach(id: string): void {
    this.watches.unwatch(id);
  }

  /** Who killed this run of the container, if the core knows (the supervisor tags the exit with it). */
  killedBy(id: string): ExitRecord["killedBy"] {
    if (this.managed.get(id)?.killedAt !== undefined) return "ladder";
    return this.oomKilled.has(id) ? "kernel-oom" : undefined;
  }

  /** A container was (re)started: what the core did to its previous run no longer holds. */
  restarted(id: string): void {
    this.managed.set(id, {});
    this.oomKilled.delete(id);
    this.saveHolds();
  }

  signal(s: Signal): void {
    this.pending.push(s);
    this.schedule();
  }

  private kernelOomKill(id: string, at: number): void {
    this.oomKilled.add(id);
    this.record({ container: id, class: this.policyOf(id)?.class, action: "kernel-oom-kill", outcome: "done", reason: "memory.events oom_kill grew", signal: `${id} events`, latencyMs: this.now() - at });
    this.signal({ source: id, kind: "oom", at });
  }

  /** cgroup v1 with the OOM killer disabled: the cgroup is held until bunker frees or grants memory. */
  private onV1Oom(id: string, dir: string, at: number): void {
    const policy = this.policyOf(id);
    if (!policy) return;
    try {
      const answer = answerOom(this.d.fs, dir, policy.class, this.d.reserve);
      if (answer) this.record({ container: id, class: policy.class, ...answer, signal: `${id} oom`, latencyMs: this.now() - at });
    } catch (err) {
      this.record({ container: id, class: policy.class, action: "oom-kill-process", outcome: "failed", reason: "v1 OOM handler", detail: describeError(err), latencyMs: this.now() - at });
    }
  }

  private policyOf(id: string): MemoryPolicy | undefined {
    return this.d.containers().find((c) => c.id === id)?.policy;
  }

  private schedule(): void {
    if (this.stopped) return;
    if (this.busy) {
      this.again = true;
      return;
    }
    this.busy = true;
    queueMicrotask(() => void this.run());
  }

  /**
   * One apply at a time. A pass that carried out steps is followed by another (their effects change the plan, e.g. a
   * failed restart now waits for its backoff), as are signals that arrived meanwhile; bounded, in case a step keeps
   * coming back.
   */
  private async run(): Promise<void> {
    try {
      for (let pass = 0; pass < MAX_PASSES && !this.stopped; pass++) {
        this.again = false;
        const acted = await this.evaluate();
        if (!acted && !this.again) break;
      }
    } catch (err) {
      // A pass that cannot read the system (a file gone, a transient error) is recorded; the next signal tries again.
      this.record({ container: "system", action: "plan-failed", outcome: "failed", reason: "planning pass", detail: describeError(err) });
    } finally {
      this.busy = false;
    }
  }

  private observe(): { o: Observation; system: SystemMemory } {
    const now = this.now();
    const fresh = this.d.config.signalFreshMs;
    this.signals = [...this.signals, ...this.pending].filter((s) => now - s.at <= fresh);
    const system = readSystemMemory(this.d.fs);
    const containers = viewContainers(this.d.fs, this.d.containers(), this.managed);
    const o: Observation = {
      now, system, containers, signals: this.signals,
      ...(this.lastPressureAt !== undefined ? { lastPressureAt: this.lastPressureAt } : {}),
      ...(this.lastActionAt !== undefined ? { lastActionAt: this.lastActionAt } : {}),
      ...this.stallBaseline(now),
    };
    const totals = stallTotals(system, containers);
    if (totals) this.stalls.push({ at: now, totals });
    // Bounded when passes come fast (a storm of signals): the baseline stays, the oldest after it goes.
    if (this.stalls.length > MAX_STALL_SNAPSHOTS) this.stalls.splice(1, 1);
    return { o, system };
  }

  /**
   * The newest totals old enough that the stall behind every fresh system signal happened after them (a signal counts
   * for signalFreshMs and speaks of the trigger's window before it), else the oldest kept; older ones are dropped.
   */
  private stallBaseline(now: number): Pick<Observation, "previousStalls"> {
    const span = this.d.config.signalFreshMs + Math.max(...SYSTEM_TRIGGERS.map((t) => t.windowUs)) / 1000;
    const i = this.stalls.findLastIndex((s) => s.at <= now - span);
    this.stalls = this.stalls.slice(Math.max(0, i));
    return this.stalls[0] ? { previousStalls: this.stalls[0].totals } : {};
  }

  /** Returns whether any step was carried out. */
  private async evaluate(): Promise<boolean> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const cause = this.pending[0];
    const { o, system } = this.observe();
    this.pending = [];
    const plan = planLadder(o, this.d.config);
    if (plan.level !== "calm") this.lastPressureAt = o.now;
    for (const step of plan.steps) await this.execute(step, plan, o, system, cause);
    if (plan.nextAt !== undefined) this.timer = setTimeout(() => this.signal({ source: "system", kind: "timer", at: this.now() }), Math.max(0, plan.nextAt - this.now()));
    return plan.steps.length > 0;
  }

  private async execute(step: Step, plan: Plan, o: Observation, system: SystemMemory, cause: Signal | undefined): Promise<void> {
    const issued = this.now();
    const m = this.managed.get(step.id) ?? {};
    this.managed.set(step.id, m);
    const { holds, background } = stepIssued(step, m, issued);
    if (holds) this.lastActionAt = issued;
    const paths = (id: string) => this.d.containers().find((c) => c.id === id)?.paths;
    const run = applyStep({ fs: this.d.fs, restart: this.d.restart, paths }, step).then((r) => this.finish(step, r, m, { issued, plan, o, system, cause }));
    if (!background) await run;
    // Passes planned meanwhile left the busy container out, timers included: plan again once it is done.
    else void run.then(() => this.schedule());
  }

  private finish(step: Step, r: StepResult, m: Managed, ctx: { issued: number; plan: Plan; o: Observation; system: SystemMemory; cause: Signal | undefined }): void {
    const done = this.now();
    stepFinished(step, r, m, done, this.d.config.reclaimMinBytes);
    if (changesHolds(step.action)) this.saveHolds();
    const { system, cause } = ctx;
    const own = ctx.o.containers.find((c) => c.id === step.id)?.memory;
    this.record({
      container: step.id, class: step.class, action: step.action, outcome: r.outcome, reason: step.reason, detail: r.detail, level: ctx.plan.level,
      pressure: {
        ...(system.psi ? { someAvg10: system.psi.some.avg10, ...(system.psi.full ? { fullAvg10: system.psi.full.avg10 } : {}) } : {}),
        memAvailable: system.memAvailable,
        ...(own ? { memoryCurrent: own.current } : {}),
      },
      // A timer is bunker's own sampling, not a kernel signal: no signal-to-action latency to report.
      ...(cause && cause.kind !== "timer" ? { signal: `${cause.source} ${cause.kind}`, latencyMs: ctx.issued - cause.at } : {}),
      durationMs: done - ctx.issued,
    });
  }
}
