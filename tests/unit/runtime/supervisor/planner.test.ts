import { describe, expect, test } from "bun:test";
import type { ServiceRuntime } from "../../../../runtime/supervisor/current-state.ts";
import { planApply, planShutdown } from "../../../../runtime/supervisor/planner.ts";
import type { Step } from "../../../../runtime/supervisor/steps.ts";
import { converge, FakeWorld, target } from "./fake-world.ts";

const HEALTH = { healthCheck: { exec: ["true"], interval: "5s" } };

/** db <- api (healthy) <- web (started); logger alone. */
const stack = (version = "1", overrides: Record<string, Record<string, unknown>> = {}) =>
  target(version, {
    db: { ...HEALTH, ...overrides.db },
    api: { dependsOn: { db: { condition: "healthy" } }, ...overrides.api },
    web: { dependsOn: { api: {} }, ...overrides.web },
    logger: { ...overrides.logger },
  });

const actions = (steps: Step[]): string[] => steps.map((s) => `${s.action} ${s.service}`);
const verdicts = (plan: ReturnType<typeof planApply>): Record<string, string> => Object.fromEntries(plan.services.map((s) => [s.service, s.verdict]));

describe("planApply() on fixtures", () => {
  test("a fresh device starts services in dependency order, one layer per pass", async () => {
    const world = new FakeWorld();
    const plans = await converge(world, stack());
    expect(plans.map((p) => actions(p.steps))).toEqual([["start db", "start logger"], ["start api"], ["start web"], []]);
    expect(verdicts(plans[0]!)).toEqual({ db: "start", api: "waiting", web: "waiting", logger: "start" });
    expect(plans[0]!.services.find((s) => s.service === "api")!.reason).toBe("waits for 'db' to be started");
    const sickDb = planApply(stack(), world.current(stack(), new Map(), new Set(["db"])), 0);
    const wait = new FakeWorld();
    wait.put(stack().services.get("db")!, "running");
    const notYet = planApply(stack(), wait.current(stack(), new Map(), new Set(["db"])), 0);
    expect(notYet.services.find((s) => s.service === "api")!.reason).toBe("waits for 'db' to be healthy");
    expect(actions(sickDb.steps)).toEqual(["stop-unhealthy db"]);
    expect(verdicts(plans.at(-1)!)).toEqual({ db: "untouched", api: "untouched", web: "untouched", logger: "untouched" });
  });

  test("a target that did not change asks for nothing", async () => {
    const world = new FakeWorld();
    await converge(world, stack("1"));
    const plan = planApply(stack("2"), world.current(stack("2")), 0);
    expect(plan.steps).toEqual([]);
  });

  test("a service whose spec changed is recreated, the others are untouched", async () => {
    const world = new FakeWorld();
    await converge(world, stack("1"));
    const next = stack("2", { web: { env: { MODE: "new" } } });
    const plan = planApply(next, world.current(next), 0);
    expect(actions(plan.steps)).toEqual(["recreate web"]);
    expect(verdicts(plan)).toEqual({ db: "untouched", api: "untouched", web: "recreate", logger: "untouched" });
    const from = (plan.steps[0] as Extract<Step, { action: "recreate" }>).from.map((f) => f.instance);
    expect(from).toEqual([[...world.instances.keys()].find((id) => id.startsWith("web."))!]);
    await converge(world, next);
    expect(world.programStarts).toEqual(new Map([["db", 1], ["api", 1], ["web", 2], ["logger", 1]]));
  });

  test("start-then-stop starts the new instance first and stops the old one once the new one is healthy", async () => {
    const world = new FakeWorld();
    const v1 = target("1", { db: { ...HEALTH, strategy: "start-then-stop" } });
    await converge(world, v1);
    const v2 = target("2", { db: { ...HEALTH, strategy: "start-then-stop", env: { V: "2" } } });
    const first = planApply(v2, world.current(v2), 0);
    expect(actions(first.steps)).toEqual(["start db"]);
    await converge(world, v2);
    expect([...world.instances.values()].map((i) => i.hash)).toEqual([v2.services.get("db")!.hash]);
    // While the new one is not healthy, the old one keeps running.
    const w2 = new FakeWorld();
    w2.put(v1.services.get("db")!, "running");
    w2.put(v2.services.get("db")!, "running");
    const held = planApply(v2, w2.current(v2, new Map(), new Set(["db"])), 0);
    expect(held.steps).toEqual([]);
    expect(verdicts(held)).toEqual({ db: "waiting" });
  });

  test("services that leave the target stop dependents first", async () => {
    const world = new FakeWorld();
    await converge(world, stack());
    const next = target("2", { logger: {} });
    const plan = planApply(next, world.current(next), 0);
    expect(actions(plan.steps)).toEqual(["stop web", "stop api", "stop db"]);
  });

  test("an exit is restarted after its backoff, then given up as a crash loop", () => {
    const world = new FakeWorld();
    const t = target("1", { app: { restart: { policy: "on-failure", backoff: "1s", limit: 2, window: "1m" } } });
    world.put(t.services.get("app")!, "stopped");
    const rt = (restarts: number[]): Map<string, ServiceRuntime> => new Map([["app", { health: "none", restarts, exit: { at: 10_000, status: 1 } }]]);
    const pending = planApply(t, world.current(t, rt([])), 10_500);
    expect(pending.steps).toEqual([]);
    expect(pending.nextAt).toBe(11_000);
    expect(verdicts(pending)).toEqual({ app: "restart-pending" });
    const due = planApply(t, world.current(t, rt([])), 11_000);
    expect(due.steps).toMatchObject([{ action: "start", service: "app", clear: true, restart: true }]);
    const loop = planApply(t, world.current(t, rt([9000, 9500])), 60_000);
    expect(loop.steps).toEqual([]);
    expect(verdicts(loop)).toEqual({ app: "crash-loop" });
  });

  test("a clean exit under on-failure stays stopped; an exit nobody saw counts as a failure", () => {
    const world = new FakeWorld();
    const t = target("1", { app: {} });
    world.put(t.services.get("app")!, "stopped");
    const clean = planApply(t, world.current(t, new Map([["app", { health: "none", restarts: [], exit: { at: 0, status: 0 } }]])), 5000);
    expect(verdicts(clean)).toEqual({ app: "exited" });
    const unseen = planApply(t, world.current(t), 5000);
    expect(unseen.steps).toMatchObject([{ action: "start", service: "app", restart: true }]);
  });

  test("unhealthy past its retries is stopped for the restart policy, unless the policy is 'no'", async () => {
    const withPolicy = (policy: string) => target("1", { db: { ...HEALTH, restart: { policy } } });
    const sickWith = async (policy: string) => {
      const world = new FakeWorld();
      await converge(world, withPolicy(policy));
      return planApply(withPolicy(policy), world.current(withPolicy(policy), new Map(), new Set(["db"])), 0);
    };
    expect(actions((await sickWith("on-failure")).steps)).toEqual(["stop-unhealthy db"]);
    const kept = await sickWith("no");
    expect(kept.steps).toEqual([]);
    expect(kept.services[0]!.reason).toBe("unhealthy, restart policy 'no'");
  });

  test("an instance left created or half-created is cleared and started again", () => {
    for (const status of ["created", "creating"] as const) {
      const world = new FakeWorld();
      const t = target("1", { app: {} });
      world.put(t.services.get("app")!, status);
      expect(planApply(t, world.current(t), 0).steps).toMatchObject([{ action: "start", clear: true, restart: false }]);
    }
  });

  test("without a target nothing is started or stopped", () => {
    const world = new FakeWorld();
    world.put(stack().services.get("db")!, "running");
    expect(planApply(undefined, world.current(stack()), 0)).toEqual({ steps: [], services: [] });
  });

  test("shutdown stops every instance, dependents first", async () => {
    const world = new FakeWorld();
    await converge(world, stack());
    expect(actions(planShutdown(world.current(stack())).steps)).toEqual(["stop web", "stop logger", "stop api", "stop db"]);
  });
});
