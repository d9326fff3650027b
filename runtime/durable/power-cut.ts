// The linear power-cut runner (after littlefs's): run a workload once to count its mutating calls, then for every
// N cut the power after call N, let a failure model decide which unsynced writes survive, recover, and check that
// the recovered state is the one after the last commit that returned, or one the commit in flight passes through (a
// group commit of N steps may leave any prefix of them).
import { isDeepStrictEqual } from "node:util";
import { FAILURE_MODELS, FaultStorage, PowerCut, type FailureModel } from "./fault-storage.ts";
import type { Storage } from "./storage.ts";

export interface CutWorkload<S> {
  /** Runs every step; calls `committed(n)` each time a commit of `n` steps (default 1) has returned, and
   * `inFlight(n)` before a commit of more than one step. */
  run(storage: Storage, committed: (n?: number) => void, inFlight: (n: number) => void): void;
  /** The state after `n` committed steps. */
  expected(n: number): S;
  /** Recovers from the disk left by a cut and returns the state found. */
  recover(storage: Storage): S;
}

export interface CutFailure {
  cutAfter: number;
  model: FailureModel;
  seed: number;
  committed: number;
  problem: string;
}

export interface CutReport {
  /** Mutating calls in one uncut run: the cut points per model. */
  calls: number;
  /** Cuts made (cut points times models). */
  cuts: number;
  failures: CutFailure[];
}

/** The workload may layer the cut under its own errors: look down the `cause` chain. */
const causedByCut = (err: unknown): boolean => {
  for (let e = err; e instanceof Error; e = e.cause) if (e instanceof PowerCut) return true;
  return false;
};

export const runPowerCuts = <S>(workload: CutWorkload<S>, opts: { models?: readonly FailureModel[]; seed?: number } = {}): CutReport => {
  const models = opts.models ?? FAILURE_MODELS;
  const whole = new FaultStorage();
  workload.run(whole, () => {}, () => {});
  const failures: CutFailure[] = [];
  let cuts = 0;
  for (let cutAfter = 0; cutAfter < whole.calls; cutAfter++)
    for (const model of models) {
      const seed = (opts.seed ?? 1) * 1_000_003 + cutAfter * 7 + models.indexOf(model);
      const disk = new FaultStorage(undefined, cutAfter);
      let committed = 0;
      let pending = 1;
      const fail = (problem: string): void => void failures.push({ cutAfter, model, seed, committed, problem });
      cuts++;
      try {
        workload.run(
          disk,
          (n = 1) => {
            committed += n;
            pending = 1;
          },
          (n) => (pending = n),
        );
        fail("the workload finished although the power was cut");
        continue;
      } catch (err) {
        if (!causedByCut(err)) {
          fail(`the workload failed before the cut: ${(err as Error).message}`);
          continue;
        }
      }
      try {
        const found = workload.recover(new FaultStorage(disk.afterCut(model, seed)));
        const ok = Array.from({ length: pending + 1 }, (_, i) => committed + i).some((n) => isDeepStrictEqual(found, workload.expected(n)));
        if (!ok) fail(`recovered a state that never existed: ${JSON.stringify(found)}`);
      } catch (err) {
        fail(`recovery failed: ${(err as Error).message}${(err as Error).cause ? `: ${((err as Error).cause as Error).message}` : ""}`);
      }
    }
  return { calls: whole.calls, cuts, failures };
};
