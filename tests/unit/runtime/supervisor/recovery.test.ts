// A daemon killed in the middle of each kind of step, at every point between two primitive actions: the plan made
// after its restart (from what exists, with everything the daemon knew in memory lost) converges to the target,
// never starts a program twice, and never leaves a service stopped that the target says runs.
import { describe, expect, test } from "bun:test";
import { isLive } from "../../../../runtime/supervisor/current-state.ts";
import type { Desired } from "../../../../runtime/supervisor/desired.ts";
import { converge, Crash, FakeWorld, target } from "./fake-world.ts";

const HEALTH = { healthCheck: { exec: ["true"], interval: "5s" } };

const stack = (version: string, web: Record<string, unknown> = {}, db: Record<string, unknown> = {}): Desired =>
  target(version, {
    db: { ...HEALTH, ...db },
    api: { dependsOn: { db: { condition: "healthy" } } },
    web: { dependsOn: { api: {} }, ...web },
  });

interface Scenario {
  name: string;
  /** The device before the step: converged on `before` (if any), then `prepare`. */
  before?: Desired;
  prepare?(w: FakeWorld): void;
  after: Desired;
  /** Program starts the change itself needs, per service. */
  starts: Record<string, number>;
}

const copy = (w: FakeWorld): FakeWorld => {
  const c = new FakeWorld();
  for (const [id, i] of w.instances) c.instances.set(id, { ...i });
  for (const id of w.sick) c.sick.add(id);
  return c;
};

const SCENARIOS: Scenario[] = [
  { name: "start (a fresh device)", after: stack("1"), starts: { db: 1, api: 1, web: 1 } },
  { name: "recreate, stop-then-start", before: stack("1"), after: stack("2", { env: { V: "2" } }), starts: { web: 1 } },
  { name: "recreate, start-then-stop", before: stack("1", {}, { strategy: "start-then-stop" }), after: stack("2", {}, { strategy: "start-then-stop", env: { V: "2" } }), starts: { db: 1 } },
  { name: "stop (services leave the target)", before: stack("1"), after: target("2", { db: HEALTH }), starts: {} },
  {
    name: "stop-unhealthy, then the restart",
    before: stack("1"),
    prepare: (w) => w.sick.add([...w.instances.keys()].find((id) => id.startsWith("db."))!),
    after: stack("1"),
    starts: { db: 1 },
  },
  {
    name: "restart after an exit",
    before: stack("1"),
    prepare: (w) => void ([...w.instances.values()].find((i) => i.service === "web")!.status = "stopped"),
    after: stack("1"),
    starts: { web: 1 },
  },
];

const converged = (w: FakeWorld, t: Desired): void => {
  const byService = new Map<string, string[]>();
  for (const i of w.instances.values()) byService.set(i.service, [...(byService.get(i.service) ?? []), `${i.hash}:${i.status}`]);
  const want = new Map([...t.services.values()].map((d) => [d.name, [`${d.hash}:running`]]));
  expect(byService).toEqual(want);
  expect([...w.instances.values()].every(isLive)).toBe(true);
};

describe("recovery after a daemon killed in the middle of a step", () => {
  for (const s of SCENARIOS) {
    test(`${s.name}: every crash point converges without a second start`, async () => {
      const base = new FakeWorld();
      if (s.before) await converge(base, s.before);
      s.prepare?.(base);
      let points = 0;
      for (let k = 0; ; k++) {
        const w = copy(base);
        w.crashIn = k;
        let crashed = false;
        try {
          await converge(w, s.after);
        } catch (err) {
          if (!(err instanceof Crash)) throw err;
          crashed = true;
        }
        w.crashIn = undefined;
        // The restarted daemon knows nothing but the target and what exists.
        await converge(w, s.after);
        converged(w, s.after);
        expect(Object.fromEntries(w.programStarts)).toEqual(s.starts);
        if (!crashed) break;
        points++;
      }
      // Each scenario has primitives to be cut between.
      expect(points).toBeGreaterThan(0);
    });
  }
});
