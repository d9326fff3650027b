// The memory core: kernel notifications in (PSI triggers, memory.events, v1 eventfds, exits), the ladder's plan
// computed, its steps carried out one apply at a time, every action recorded. Idle, it has no timer at all; it
// samples only while pressure lasts or a reclaim or restart is due (the plan's nextAt).
import { existsSync } from "node:fs";
import type { CgroupFs } from "../cgroups/fs.ts";
import { applyStep, liftHold, type StepResult } from "./actuator.ts";
import { readCgroupMemory, readSystemMemory, type MemoryCgroupPaths } from "./cgroup-memory.ts";
import { CLASS_PROFILES, SYSTEM_TRIGGERS, type PsiTrigger } from "./classes.ts";
import type { EventSink, MemoryEvent } from "./event-log.ts";
import type { Hold, HoldStore } from "./holds.ts";
import { watchMemoryEvents } from "../cgroups/v2/memory-events.ts";
import { planLadder, type LadderConfig, type Plan, type Step } from "./ladder.ts";
import type { ContainerView, Managed, Observation, Signal, SystemMemory } from "./observation.ts";
import { applyOomDecision, decideOom, heldProcesses, underOom, type OomReserve } from "./oom-v1.ts";
import type { MemoryPolicy } from "./policy.ts";
import { applyMemoryPolicy } from "./protect.ts";
import type { EpollWatch } from "./epoll-watch.ts";
import type { ExitRecord } from "./restart.ts";
import { watchV1 } from "../cgroups/v1/notify.ts";

/** What the supervisor tells the core about one container. */
export interface CoreContainer {
  id: string;
  policy: MemoryPolicy;
  status: ContainerView["status"];
  paths?: MemoryCgroupPaths;
  exit?: ExitRecord;
  restarts: number[];
}

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

const SYSTEM_PRESSURE = "/proc/pressure/memory";
// Actions that change what the ladder holds: the next escalation, or release, waits for their effect.
const HOLDING = new Set<Step["action"]>(["throttle", "freeze", "kill", "release"]);
const MAX_PASSES = 8;

export class MemoryCore {
  private readonly closers = new Map<string, (() => void)[]>();
  private readonly managed = new Map<string, Managed>();
  private readonly oomKilled = new Set<string>();
  private signals: Signal[] = [];
  private pending: Signal[] = [];
  private lastPressureAt: number | undefined;
  private lastActionAt: number | undefined;
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
  }

  start(): void {
    this.left = this.d.holds?.load() ?? {};
    this.saved = JSON.stringify(this.left);
    const closers: (() => void)[] = [];
    if (existsSync(this.d.fs.real(SYSTEM_PRESSURE)))
      for (const t of SYSTEM_TRIGGERS) this.arm("system", SYSTEM_PRESSURE, t);
    if (this.d.v1Root) {
      // vmpressure of the root memory cgroup covers every task: medium means reclaim is working hard, critical that
      // the system is about to OOM; they stand in for the some and full triggers v1 kernels may lack.
      for (const [level, kind] of [["medium", "some"], ["critical", "full"]] as const) {
        const w = this.watchOrRecord("system", `memory.pressure_level ${level}`, () =>
          watchV1(this.d.fs, this.d.v1Root!, { file: "memory.pressure_level", level }, (at) => this.signal({ source: "system", kind, at })),
        );
        if (w) closers.push(w);
      }
    }
    this.closers.set("system", closers);
    // A first pass sets the timers the plan asks for (reclaim) and has the planning code compiled before it is urgent.
    this.schedule();
  }

  /** Stops watching and releases every hold: a container is never left frozen or throttled by a daemon gone. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    for (const id of [...this.closers.keys()]) this.detach(id);
    for (const [id, m] of this.managed) {
      if (m.throttledTo === undefined && m.frozenAt === undefined) continue;
      const where = this.d.containers().find((c) => c.id === id)?.paths;
      try {
        if (where) liftHold(this.d.fs, where);
        this.record({ container: id, action: "release", outcome: "done", reason: "the daemon stops: holds released", detail: "throttle lifted, thawed" });
      } catch (err) {
        this.record({ container: id, action: "release", outcome: "failed", reason: "the daemon stops: holds released", detail: message(err) });
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
    this.record({ container: c.id, class: c.policy.class, action: "adopt-hold", outcome: "done", reason: "left by the previous daemon", detail: [m.frozenAt !== undefined ? "frozen" : "", m.throttledTo !== undefined ? `memory.high ${m.throttledTo}` : ""].filter(Boolean).join(", ") });
  }

  private saveHolds(): void {
    if (!this.d.holds) return;
    // Only containers that still exist: a hold of one deleted meanwhile has nothing left to undo.
    const known = new Set(this.d.containers().map((c) => c.id));
    const holds: Record<string, Hold> = Object.fromEntries(Object.entries(this.left).filter(([id]) => known.has(id)));
    for (const [id, m] of this.managed)
      if (known.has(id) && (m.throttledTo !== undefined || m.frozenAt !== undefined)) holds[id] = { ...(m.throttledTo !== undefined ? { throttledTo: m.throttledTo } : {}), ...(m.frozenAt !== undefined ? { frozen: true } : {}) };
    const text = JSON.stringify(holds);
    if (text === this.saved) return;
    try {
      this.d.holds.save(holds);
      this.saved = text;
    } catch (err) {
      this.record({ container: "system", action: "watch-failed", outcome: "failed", reason: "saving the memory core's holds", detail: message(err) });
    }
  }

  /** Starts watching a running container's cgroup and applies its policy's protection and swap settings. */
  attach(c: CoreContainer): void {
    if (!c.paths || this.closers.has(c.id)) return;
    const where = c.paths;
    const closers: (() => void)[] = [];
    this.closers.set(c.id, closers);
    const m = this.managed.get(c.id) ?? {};
    this.managed.set(c.id, m);
    this.takeUp(c, where, m);
    try {
      applyMemoryPolicy(this.d.fs, where, c.policy);
    } catch (err) {
      this.record({ container: c.id, class: c.policy.class, action: "watch-failed", outcome: "failed", reason: "memory policy not applied", detail: message(err) });
    }
    if ("v2" in where) {
      const pressure = `${where.v2}/memory.pressure`;
      if (this.d.fs.exists(pressure)) for (const t of CLASS_PROFILES[c.policy.class].triggers) this.arm(c.id, pressure, t);
      const w = this.watchOrRecord(c.id, "memory.events", () =>
        watchMemoryEvents(this.d.fs, where.v2, (ch) => {
          // high and max move all the time under a throttle; the ladder reads pressure from PSI, not from them.
          if (ch.grew.includes("oomKill")) this.kernelOomKill(c.id, ch.at);
        }),
      );
      if (w) closers.push(w);
    } else {
      const w = this.watchOrRecord(c.id, "memory.oom_control", () =>
        watchV1(this.d.fs, where.v1.memory, { file: "memory.oom_control" }, (at) => this.onV1Oom(c.id, where.v1.memory, at)),
      );
      if (w) closers.push(w);
    }
    this.schedule();
  }

  detach(id: string): void {
    for (const close of this.closers.get(id) ?? []) close();
    this.closers.delete(id);
    for (const label of this.d.watch.labels()) if (label.startsWith(`psi ${id} `)) this.d.watch.disarm(label);
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

  /** Labels are "psi <source> <kind>"; a trigger fires as a signal from `source`. */
  private arm(source: string, path: string, t: PsiTrigger): void {
    const label = `psi ${source} ${t.kind}${t.look ? " look" : ""}`;
    const container = source;
    try {
      this.d.watch.arm(label, path, t, {
        fired: (at) => this.signal({ source, kind: t.look ? "look" : t.kind, at }),
        lost: () => this.record({ container, action: "watch-lost", outcome: "done", reason: `trigger '${label}' reported an error or hang-up` }),
      });
      this.record({ container, action: "watch", outcome: "done", reason: `PSI trigger '${t.kind} ${t.stallUs} ${t.windowUs}' on '${path}'` });
    } catch (err) {
      this.record({ container, action: "watch-failed", outcome: "failed", reason: `PSI trigger on '${path}'`, detail: message(err) });
    }
  }

  private watchOrRecord(container: string, what: string, open: () => { close(): void }): (() => void) | undefined {
    try {
      const w = open();
      this.record({ container, action: "watch", outcome: "done", reason: what });
      return () => w.close();
    } catch (err) {
      this.record({ container, action: "watch-failed", outcome: "failed", reason: what, detail: message(err) });
      return undefined;
    }
  }

  private kernelOomKill(id: string, at: number): void {
    this.oomKilled.add(id);
    this.record({ container: id, class: this.policyOf(id)?.class, action: "kernel-oom-kill", outcome: "done", reason: "memory.events oom_kill grew", signal: `${id} events`, latencyMs: this.now() - at });
    this.signal({ source: id, kind: "oom", at });
  }

  /** The v1 handler: with the OOM killer disabled the cgroup is held until bunker frees or grants memory. */
  private onV1Oom(id: string, dir: string, at: number): void {
    const policy = this.policyOf(id);
    if (!policy || !this.d.fs.exists(dir) || !underOom(this.d.fs, dir)) return;
    try {
      const limit = Number(this.d.fs.read(`${dir}/memory.limit_in_bytes`).trim());
      const decision = decideOom(policy.class, limit, heldProcesses(this.d.fs, dir), this.d.reserve);
      applyOomDecision(this.d.fs, dir, decision);
      if (decision.action === "grant") this.d.reserve.left -= decision.bytes;
      const detail =
        decision.action === "grant" ? `limit raised to ${decision.limit}` : decision.action === "kill-process" ? `pid ${decision.pid} (${decision.comm}), rss ${decision.rss}` : undefined;
      this.record({
        container: id, class: policy.class, action: decision.action === "grant" ? "oom-grant" : "oom-kill-process", outcome: decision.action === "none" ? "skipped" : "done",
        reason: decision.reason, ...(detail ? { detail } : {}), signal: `${id} oom`, latencyMs: this.now() - at,
      });
    } catch (err) {
      this.record({ container: id, class: policy.class, action: "oom-kill-process", outcome: "failed", reason: "v1 OOM handler", detail: message(err), latencyMs: this.now() - at });
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
      this.record({ container: "system", action: "plan-failed", outcome: "failed", reason: "planning pass", detail: message(err) });
    } finally {
      this.busy = false;
    }
  }

  private observe(): { o: Observation; system: SystemMemory } {
    const now = this.now();
    const fresh = this.d.config.signalFreshMs;
    this.signals = [...this.signals, ...this.pending].filter((s) => now - s.at <= fresh);
    const system = readSystemMemory(this.d.fs);
    const containers: ContainerView[] = this.d.containers().map((c) => {
      let memory: ContainerView["memory"];
      if (c.paths && c.status !== "stopped") {
        try {
          memory = readCgroupMemory(this.d.fs, c.paths);
        } catch {
          // The cgroup went away between the list and the read: treat as stopped until the supervisor says so.
        }
      }
      return { id: c.id, policy: c.policy, status: c.status, restarts: c.restarts, managed: this.managed.get(c.id) ?? {}, ...(memory ? { memory } : {}), ...(c.exit ? { exit: c.exit } : {}) };
    });
    const o: Observation = { now, system, containers, signals: this.signals, ...(this.lastPressureAt !== undefined ? { lastPressureAt: this.lastPressureAt } : {}), ...(this.lastActionAt !== undefined ? { lastActionAt: this.lastActionAt } : {}) };
    return { o, system };
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
    // What holds from the moment a step is issued, so that the next pass neither repeats it nor escalates too soon.
    if (step.action === "throttle") m.throttledTo = step.high;
    if (step.action === "reclaim") m.reclaimedAt = issued;
    if (HOLDING.has(step.action)) this.lastActionAt = issued;
    // The kernel reclaims inside these writes, seconds on a slow board: they finish in the background.
    const background = step.action === "throttle" || step.action === "reclaim";
    if (background) m.inFlight = true;
    const paths = (id: string) => this.d.containers().find((c) => c.id === id)?.paths;
    const run = applyStep({ fs: this.d.fs, restart: this.d.restart, paths }, step).then((r) => this.finish(step, r, m, { issued, plan, o, system, cause }));
    if (!background) await run;
    // Passes planned meanwhile left the busy container out, timers included: plan again once it is done.
    else void run.then(() => this.schedule());
  }

  private finish(step: Step, r: StepResult, m: Managed, ctx: { issued: number; plan: Plan; o: Observation; system: SystemMemory; cause: Signal | undefined }): void {
    const done = this.now();
    delete m.inFlight;
    if (r.outcome === "done") {
      if (step.action === "freeze") m.frozenAt = done;
      if (step.action === "kill") m.killedAt = done;
      if (step.action === "release") {
        if (m.frozenAt !== undefined) m.thawed = (m.thawed ?? 0) + 1;
        delete m.throttledTo;
        delete m.frozenAt;
      }
      if (step.action === "give-up") m.gaveUp = true;
      if (step.action === "reclaim") m.reclaimSettled = (r.freedBytes ?? 0) < this.d.config.reclaimMinBytes;
    } else {
      if (step.action === "throttle") delete m.throttledTo;
      // A reclaim that cannot run (v1, a failing file) must not be retried at once: settle it.
      if (step.action === "reclaim") m.reclaimSettled = true;
    }
    if (HOLDING.has(step.action)) this.saveHolds();
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

  private record(e: Omit<MemoryEvent, "time">): void {
    const clean = Object.fromEntries(Object.entries(e).filter(([, v]) => v !== undefined)) as Omit<MemoryEvent, "time">;
    this.d.sink({ time: new Date(this.now()).toISOString(), ...clean });
  }
}

const message = (err: unknown): string => {
  const parts: string[] = [];
  for (let e: unknown = err; e; e = e instanceof Error ? e.cause : undefined) parts.push(e instanceof Error ? e.message : String(e));
  return parts.join(": ");
};
