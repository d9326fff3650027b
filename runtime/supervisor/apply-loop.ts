// The apply loop: plan from what exists, carry out every step, plan again, until a plan has no steps. A pass whose
// steps failed is retried after a backoff that doubles up to a cap; after a few such passes the loop returns the
// failures (its owner tries again on the next event). One apply at a time: asking while one runs makes one more
// full apply follow it, and both callers get the later result. It can be aborted (the daemon is stopping).
import { describeError } from "../errors.ts";
import type { Plan } from "./planner.ts";
import { describeStep, type Step } from "./steps.ts";

export interface StepFailure {
  step: Step;
  error: string;
}

export interface ApplyResult {
  /** The last plan: no steps, unless the loop gave up or was aborted. */
  plan: Plan;
  passes: number;
  /** Steps carried out, in order. */
  done: Step[];
  /** Failures of the last pass that had any (empty when the loop converged without one). */
  failures: StepFailure[];
  aborted: boolean;
}

export interface ApplyLoopDeps {
  plan(): Plan;
  execute(step: Step): Promise<void>;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  /** Called with each plan before its steps run. */
  onPlan?(plan: Plan, pass: number): void;
  backoffMs?: number;
  backoffCapMs?: number;
  /** Passes with failures before the loop gives up and returns them. */
  failedPasses?: number;
  /** A bound on passes: a plan that keeps asking for steps after this many is a bug, not progress. */
  maxPasses?: number;
}

export class ApplyLoop {
  private current: Promise<ApplyResult> | undefined;
  private queued: Promise<ApplyResult> | undefined;
  private abort = new AbortController();

  constructor(private readonly d: ApplyLoopDeps) {}

  /** Applies until nothing is left; while an apply runs, the request is served by one more apply after it. */
  apply(): Promise<ApplyResult> {
    if (!this.current) {
      this.current = this.run().finally(() => (this.current = undefined));
      return this.current;
    }
    this.queued ??= this.current.then(
      () => {
        this.queued = undefined;
        return this.apply();
      },
      () => {
        this.queued = undefined;
        return this.apply();
      },
    );
    return this.queued;
  }

  get busy(): boolean {
    return this.current !== undefined;
  }

  /** Stops between steps; the apply in progress resolves with `aborted`. Later applies run again. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.current?.catch(() => {});
    this.abort = new AbortController();
  }

  private async run(): Promise<ApplyResult> {
    const signal = this.abort.signal;
    const cap = this.d.backoffCapMs ?? 60_000;
    const maxPasses = this.d.maxPasses ?? 100;
    const done: Step[] = [];
    let failures: StepFailure[] = [];
    let failedPasses = 0;
    for (let pass = 1; ; pass++) {
      const plan = this.d.plan();
      if (signal.aborted) return { plan, passes: pass - 1, done, failures, aborted: true };
      if (plan.steps.length === 0) return { plan, passes: pass - 1, done, failures, aborted: false };
      if (pass > maxPasses) throw new Error(`Apply the target: still ${plan.steps.length} steps after ${maxPasses} passes (${plan.steps.map(describeStep).join("; ")})`);
      this.d.onPlan?.(plan, pass);
      const failed: StepFailure[] = [];
      for (const step of plan.steps) {
        if (signal.aborted) return { plan, passes: pass, done, failures, aborted: true };
        try {
          await this.d.execute(step);
          done.push(step);
        } catch (err) {
          // Steps of one pass were planned from the same state and do not wait on each other: the others still run.
          failed.push({ step, error: describeError(err) });
        }
      }
      if (!failed.length) continue;
      failures = failed;
      if (++failedPasses >= (this.d.failedPasses ?? 3)) return { plan: this.d.plan(), passes: pass, done, failures, aborted: false };
      await this.d.sleep(Math.min((this.d.backoffMs ?? 1000) * 2 ** (failedPasses - 1), cap), signal).catch(() => {});
    }
  }
}

/** A sleep that ends early when `signal` aborts. */
export const abortableSleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
