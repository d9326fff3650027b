// The health checks that run: one monitor per service whose desired instance runs and has a health check, each a
// timer that probes, steps the state machine (health.ts) and says when the status changes. A new instance gets a new
// monitor (starting again); a frozen instance is not probed (it cannot answer) until it is thawed.
import type { InstanceStatus } from "./current-state.ts";
import { afterCheck, healthTiming, nextCheckAt, STARTING, type HealthState, type HealthTiming } from "./health.ts";
import type { HealthProbe } from "./health-probe.ts";
import type { HealthCheck } from "./target-state.ts";

export interface Watched {
  service: string;
  instance: string;
  check: HealthCheck;
}

export interface HealthMonitorDeps {
  probe: HealthProbe;
  /** The instance's status now, or undefined when it is gone. */
  statusOf(instance: string): InstanceStatus | undefined;
  changed(w: Watched, before: HealthState["status"], after: HealthState["status"], detail: string): void;
  now(): number;
}

interface Monitor extends Watched {
  state: HealthState;
  startedAt: number;
  timing: HealthTiming;
  timer?: ReturnType<typeof setTimeout>;
}

export class HealthMonitors {
  private readonly monitors = new Map<string, Monitor>();

  constructor(private readonly d: HealthMonitorDeps) {}

  /** Monitors exactly `wanted`: new instances get a monitor, others keep theirs, the rest are dropped. */
  sync(wanted: readonly Watched[]): void {
    const services = new Set(wanted.map((w) => w.service));
    for (const service of [...this.monitors.keys()]) if (!services.has(service)) this.drop(service);
    for (const w of wanted) {
      if (this.monitors.get(w.service)?.instance === w.instance) continue;
      this.drop(w.service);
      const now = this.d.now();
      const m: Monitor = { ...w, state: STARTING, startedAt: now, timing: healthTiming(w.check) };
      this.monitors.set(w.service, m);
      m.timer = setTimeout(() => void this.probe(m), nextCheckAt(m.state, now, now, m.timing) - now);
    }
  }

  /** The state of `service`'s monitor, if it watches that instance. */
  stateOf(service: string, instance?: string): HealthState | undefined {
    const m = this.monitors.get(service);
    return m && (instance === undefined || m.instance === instance) ? m.state : undefined;
  }

  drop(service: string): void {
    clearTimeout(this.monitors.get(service)?.timer);
    this.monitors.delete(service);
  }

  dropAll(): void {
    for (const service of [...this.monitors.keys()]) this.drop(service);
  }

  private async probe(m: Monitor): Promise<void> {
    if (this.monitors.get(m.service) !== m) return;
    const status = this.d.statusOf(m.instance);
    if (status !== "running" && status !== "paused") return;
    const result = status === "paused" ? undefined : await this.d.probe.check(m.instance, m.check, m.timing.timeoutMs);
    // Replaced or dropped while the check ran: its answer is about an instance no longer watched.
    if (this.monitors.get(m.service) !== m) return;
    const at = this.d.now();
    if (result) {
      const before = m.state.status;
      m.state = afterCheck(m.state, result.ok, result.detail, at, m.startedAt, m.timing);
      if (m.state.status !== before) this.d.changed(m, before, m.state.status, result.detail);
      // What the change set off may have replaced this monitor already.
      if (this.monitors.get(m.service) !== m) return;
    }
    m.timer = setTimeout(() => void this.probe(m), Math.max(0, nextCheckAt(m.state, at, m.startedAt, m.timing) - at));
  }
}
