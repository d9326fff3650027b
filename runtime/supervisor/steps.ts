// What the planner asks for, told apart by `action`, and the table of executors that carry each out through a few
// instance primitives (create, start, stop, remove). Every executor is idempotent in the planner's sense: interrupted
// after any primitive, the next plan, made from what then exists, finishes the job without starting anything twice.
import type { ExitRecord } from "../memory/restart.ts";
import { instanceId } from "./current-state.ts";
import type { DesiredService } from "./desired.ts";

interface StepBase {
  service: string;
  reason: string;
}

export type Step =
  /** Create and start the instance of `hash`; `clear`: an instance of that spec exists but never ran or has exited. */
  | (StepBase & { action: "start"; hash: string; clear: boolean; restart: boolean })
  /** Stop an instance gracefully and remove it: its service left the target, was replaced, or the device shuts down. */
  | (StepBase & { action: "stop"; instance: string; signal: number; graceMs: number })
  /** stop-then-start: the old instances go, then the instance of `hash` is started. */
  | (StepBase & { action: "recreate"; hash: string; clear: boolean; from: { instance: string; signal: number; graceMs: number }[] })
  /** A health check failed past its retries: stop the instance and keep it as a failed exit for the restart policy. */
  | (StepBase & { action: "stop-unhealthy"; instance: string; signal: number; graceMs: number });

export type StepAction = Step["action"];

/** The primitives executors are made of (the daemon's real ones: container lifecycle calls, service-ops.ts). */
export interface InstanceOps {
  /** Creates the instance of `service` (its setup stage waits for start). */
  create(service: DesiredService, id: string): Promise<void>;
  start(service: DesiredService, id: string): Promise<void>;
  /** Sends `signal`, waits up to `graceMs`, then SIGKILL; resolves when the instance's init has exited. */
  stop(id: string, signal: number, graceMs: number): Promise<ExitRecord | undefined>;
  /** Removes a stopped (or created) instance; nothing when it does not exist. */
  remove(id: string): Promise<void>;
}

export interface ExecContext {
  ops: InstanceOps;
  desired(name: string): DesiredService;
  /** A stop that the restart policy must count as a failure. */
  failedBy(service: string, exit: ExitRecord): void;
}

type Executor<A extends StepAction> = (step: Extract<Step, { action: A }>, ctx: ExecContext) => Promise<void>;

const startNew = async (s: { service: string; hash: string; clear: boolean }, ctx: ExecContext): Promise<void> => {
  const d = ctx.desired(s.service);
  if (d.hash !== s.hash) throw new Error(`Start service '${s.service}': the plan's spec ${s.hash.slice(0, 12)} is no longer the target's`);
  const id = instanceId(s.service, s.hash);
  if (s.clear) await ctx.ops.remove(id);
  await ctx.ops.create(d, id);
  await ctx.ops.start(d, id);
};

const EXECUTORS: { [A in StepAction]: Executor<A> } = {
  start: (s, ctx) => startNew(s, ctx),
  async stop(s, ctx) {
    await ctx.ops.stop(s.instance, s.signal, s.graceMs);
    await ctx.ops.remove(s.instance);
  },
  async recreate(s, ctx) {
    for (const old of s.from) {
      await ctx.ops.stop(old.instance, old.signal, old.graceMs);
      await ctx.ops.remove(old.instance);
    }
    await startNew(s, ctx);
  },
  async "stop-unhealthy"(s, ctx) {
    const exit = await ctx.ops.stop(s.instance, s.signal, s.graceMs);
    ctx.failedBy(s.service, { at: exit?.at ?? Date.now(), status: exit?.status ?? 128 + s.signal, killedBy: "health-check" });
  },
};

export const executeStep = (step: Step, ctx: ExecContext): Promise<void> => (EXECUTORS[step.action] as Executor<StepAction>)(step, ctx);

/** One line per step, as `apply` prints it and the journal names it. */
export const describeStep = (s: Step): string => {
  switch (s.action) {
    case "start":
      return `start ${s.service} (${s.hash.slice(0, 12)}): ${s.reason}`;
    case "stop":
      return `stop ${s.service} (${s.instance}): ${s.reason}`;
    case "recreate":
      return `recreate ${s.service} (${s.from.map((f) => f.instance).join(", ")} -> ${s.hash.slice(0, 12)}): ${s.reason}`;
    case "stop-unhealthy":
      return `stop ${s.service} (${s.instance}) as unhealthy: ${s.reason}`;
  }
};
