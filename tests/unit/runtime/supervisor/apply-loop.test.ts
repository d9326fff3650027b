import { describe, expect, test } from "bun:test";
import { abortableSleep, ApplyLoop } from "../../../../runtime/supervisor/apply-loop.ts";
import type { Plan } from "../../../../runtime/supervisor/planner.ts";
import type { Step } from "../../../../runtime/supervisor/steps.ts";

const start = (service: string): Step => ({ action: "start", service, hash: "h".repeat(64), clear: false, restart: false, reason: "test" });
const plan = (...services: string[]): Plan => ({ steps: services.map(start), services: [] });

describe("ApplyLoop", () => {
  test("plans again after each pass until a plan has no steps", async () => {
    const left = ["a", "b"];
    const ran: string[] = [];
    const loop = new ApplyLoop({
      plan: () => plan(...left.slice(0, 1)),
      execute: async (s) => void (ran.push(s.service), left.shift()),
      sleep: async () => {},
    });
    const r = await loop.apply();
    expect(ran).toEqual(["a", "b"]);
    expect([r.passes, r.failures, r.aborted]).toEqual([2, [], false]);
  });

  test("runs the other steps of a pass when one fails, backs off doubling, and gives up after three failed passes", async () => {
    const sleeps: number[] = [];
    const ran: string[] = [];
    const loop = new ApplyLoop({
      plan: () => plan("bad", "good"),
      execute: async (s) => {
        ran.push(s.service);
        if (s.service === "bad") throw new Error("bundle gone");
      },
      sleep: async (ms) => void sleeps.push(ms),
      backoffMs: 500,
      backoffCapMs: 800,
    });
    const r = await loop.apply();
    expect(ran).toEqual(["bad", "good", "bad", "good", "bad", "good"]);
    expect(sleeps).toEqual([500, 800]);
    expect(r.failures.map((f) => f.error)).toEqual(["bundle gone"]);
  });

  test("one apply at a time: a request during an apply is served by one more apply after it", async () => {
    let plans = 0;
    let release = (): void => {};
    const gate = new Promise<void>((r) => (release = r));
    let pending = 1;
    const loop = new ApplyLoop({
      plan: () => (plans++, pending ? plan("a") : plan()),
      execute: async () => {
        await gate;
        pending = 0;
      },
      sleep: async () => {},
    });
    const first = loop.apply();
    const second = loop.apply();
    const third = loop.apply();
    expect(second).toBe(third);
    expect(loop.busy).toBe(true);
    release();
    await first;
    await second;
    expect(plans).toBe(3);
  });

  test("stop() ends the apply between steps", async () => {
    const loop = new ApplyLoop({ plan: () => plan("a", "b"), execute: async () => void loop.stop(), sleep: abortableSleep });
    const r = await loop.apply();
    expect(r.aborted).toBe(true);
  });

  test("a plan that never empties is an error, not an endless loop", async () => {
    const loop = new ApplyLoop({ plan: () => plan("a"), execute: async () => {}, sleep: async () => {}, maxPasses: 5 });
    expect(loop.apply()).rejects.toThrow("Apply the target: still 1 steps after 5 passes");
  });
});
