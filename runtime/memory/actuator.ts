// Carries out the ladder's steps on cgroup files: one executor per action, v2 and v1 side by side.
import { writeFile } from "node:fs/promises";
import { readPids } from "../cgroups/files.ts";
import { codeOf, type CgroupFs } from "../cgroups/fs.ts";
import { freezeAndKill } from "../cgroups/placement.ts";
import type { MemoryCgroupPaths } from "./observation.ts";
import type { Step } from "./ladder.ts";

export interface StepResult {
  outcome: "done" | "skipped" | "failed";
  detail: string;
  /** memory.current before minus after, for reclaim and throttle. */
  freedBytes?: number;
}

export interface ActuatorDeps {
  fs: CgroupFs;
  /** The container's cgroup, or undefined when it has none (stopped). */
  paths(id: string): MemoryCgroupPaths | undefined;
  /** Starts a stopped container again (the daemon's supervisor). */
  restart(id: string): Promise<void>;
}

type Executor<A extends Step["action"]> = (d: ActuatorDeps, step: Extract<Step, { action: A }>, where: MemoryCgroupPaths) => StepResult | Promise<StepResult>;

const usage = (fs: CgroupFs, w: MemoryCgroupPaths): number =>
  Number(fs.read("v2" in w ? `${w.v2}/memory.current` : `${w.v1.memory}/memory.usage_in_bytes`).trim());

const done = (detail: string, freedBytes?: number): StepResult => ({ outcome: "done", detail, ...(freedBytes === undefined ? {} : { freedBytes }) });

/**
 * A write during which the kernel reclaims (memory.high, memory.reclaim) can take seconds on a slow board: it runs on
 * the thread pool, so the daemon's event loop stays free for the next signal.
 */
const slowWrite = (fs: CgroupFs, path: string, data: string): Promise<void> => writeFile(fs.real(path), data);

/** Writes `value` lower temporarily: the kernel reclaims down to it inside the write, then the old value comes back. */
const squeezeHigh = async (fs: CgroupFs, dir: string, value: number): Promise<void> => {
  const old = fs.read(`${dir}/memory.high`).trim();
  try {
    await slowWrite(fs, `${dir}/memory.high`, String(value));
  } finally {
    fs.write(`${dir}/memory.high`, old);
  }
};

const reclaim: Executor<"reclaim"> = async ({ fs }, s, w) => {
  if (!("v2" in w)) return { outcome: "skipped", detail: "cgroup v1 has no proactive reclaim" };
  const before = usage(fs, w);
  let how = "memory.reclaim";
  if (fs.exists(`${w.v2}/memory.reclaim`)) {
    try {
      await slowWrite(fs, `${w.v2}/memory.reclaim`, String(s.bytes));
    } catch (err) {
      // EAGAIN: the kernel reclaimed less than asked, which is an answer, not a failure.
      if (codeOf(err) !== "EAGAIN") throw err;
      how = "memory.reclaim (partial)";
    }
  } else {
    how = "memory.high squeeze";
    await squeezeHigh(fs, w.v2, Math.max(0, before - s.bytes));
  }
  const freed = before - usage(fs, w);
  return done(`${how}: asked ${s.bytes}, freed ${freed} bytes`, freed);
};

const throttle: Executor<"throttle"> = async ({ fs }, s, w) => {
  const before = usage(fs, w);
  // v1 has no memory.high; the soft limit is what global reclaim pushes a cgroup towards, which is when this runs.
  const file = "v2" in w ? `${w.v2}/memory.high` : `${w.v1.memory}/memory.soft_limit_in_bytes`;
  await slowWrite(fs, file, String(s.high));
  return done(`${file.slice(file.lastIndexOf("/") + 1)} = ${s.high}`, before - usage(fs, w));
};

const setFrozen = (fs: CgroupFs, w: MemoryCgroupPaths, frozen: boolean): void =>
  "v2" in w ? fs.write(`${w.v2}/cgroup.freeze`, frozen ? "1" : "0") : fs.write(`${w.v1.freezer}/freezer.state`, frozen ? "FROZEN" : "THAWED");

const freeze: Executor<"freeze"> = ({ fs }, _s, w) => {
  setFrozen(fs, w, true);
  return done("frozen");
};

/** cgroup.kill where the kernel has it (5.14+); otherwise freeze so nothing forks, SIGKILL every member, thaw. */
const kill: Executor<"kill"> = async ({ fs }, _s, w) => {
  if ("v2" in w && fs.exists(`${w.v2}/cgroup.kill`)) {
    fs.write(`${w.v2}/cgroup.kill`, "1");
    return done("cgroup.kill");
  }
  const dir = "v2" in w ? w.v2 : w.v1.memory;
  const freezer = { freeze: () => setFrozen(fs, w, true), thaw: () => setFrozen(fs, w, false) };
  const { killed, freezeError } = await freezeAndKill(fs, () => readPids(fs, dir), freezer);
  return done(`SIGKILL to ${killed.length} process(es)${freezeError ? ` (unfrozen: ${freezeError.message})` : ""}`);
};

/** Undoes whatever the ladder holds on a cgroup: the throttle lifted, the freeze thawed. */
export const liftHold = (fs: CgroupFs, w: MemoryCgroupPaths): void => {
  if ("v2" in w) fs.write(`${w.v2}/memory.high`, "max");
  else fs.write(`${w.v1.memory}/memory.soft_limit_in_bytes`, "-1");
  setFrozen(fs, w, false);
};

const release: Executor<"release"> = ({ fs }, _s, w) => {
  liftHold(fs, w);
  return done("throttle lifted, thawed");
};

const EXECUTORS: { [A in Step["action"]]?: Executor<A> } = { reclaim, throttle, freeze, kill, release };

/** Runs one step; failures come back as a result (the event log records them), never as a throw. */
export const applyStep = async (d: ActuatorDeps, step: Step): Promise<StepResult> => {
  try {
    if (step.action === "restart") {
      await d.restart(step.id);
      return done("restarted");
    }
    if (step.action === "give-up") return done("restarts stopped");
    const where = d.paths(step.id);
    if (!where) return { outcome: "skipped", detail: "the container has no cgroup" };
    const run = EXECUTORS[step.action] as Executor<typeof step.action>;
    return await run(d, step, where);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    return { outcome: "failed", detail: `Applying ${step.action} to container '${step.id}': ${msg}` };
  }
};
