import { describe, expect, test } from "bun:test";
import { reapOrphans, type ReaperSys } from "../../../../runtime/process/orphan-reaper.ts";

/** Children with their states, pidfds held; every call recorded, reaps of a child that is not a zombie refused. */
const world = (children: Record<number, "R" | "Z">, pidfds: number[]) => {
  const calls: string[] = [];
  const sys: ReaperSys = {
    children: () => (calls.push("children"), Object.keys(children).map(Number)),
    isZombie: (pid) => children[pid] === "Z",
    pidfdTargets: () => (calls.push("pidfds"), new Set(pidfds)),
    reap: (pid) => {
      if (children[pid] !== "Z") throw new Error(`Unexpected reap of ${pid}, which has not exited`);
      calls.push(`reap ${pid}`);
    },
  };
  return { sys, calls };
};

describe("reapOrphans()", () => {
  test("waits for the zombies no pidfd of ours refers to, and leaves Bun's children and claimed programs", () => {
    // 10: a stage Bun spawned (pidfd), 11: an exec'd program bunker waits for (pidfd), 12 and 14: orphans, 13: running.
    const { sys, calls } = world({ 10: "Z", 11: "Z", 12: "Z", 13: "R", 14: "Z" }, [10, 11, 99]);
    expect(reapOrphans(sys)).toEqual([12, 14]);
    expect(calls).toEqual(["children", "pidfds", "reap 12", "reap 14"]);
  });

  test("reads no pidfds when no child has exited (most SIGCHLDs, once Bun has waited)", () => {
    const { sys, calls } = world({ 10: "R" }, [10]);
    expect(reapOrphans(sys)).toEqual([]);
    expect(calls).toEqual(["children"]);
  });
});
