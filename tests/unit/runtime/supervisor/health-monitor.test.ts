import { describe, expect, test } from "bun:test";
import type { InstanceStatus } from "../../../../runtime/supervisor/current-state.ts";
import { HealthMonitors } from "../../../../runtime/supervisor/health-monitor.ts";

const check = { exec: ["true"], interval: "30ms", timeout: "1s", retries: 2, startPeriod: "0s", startInterval: "10ms" };

const setup = () => {
  const probed: string[] = [];
  const changes: string[] = [];
  let ok = true;
  let status: InstanceStatus = "running";
  const m = new HealthMonitors({
    probe: { check: async (instance) => (probed.push(instance), { ok, detail: ok ? "exit 0" : "exit 1" }) },
    statusOf: () => status,
    changed: (w, before, after) => void changes.push(`${w.instance} ${before}->${after}`),
    now: Date.now,
  });
  return { m, probed, changes, fail: () => (ok = false), pause: () => (status = "paused"), resume: () => (status = "running") };
};

const until = async (cond: () => boolean): Promise<void> => {
  for (let i = 0; i < 300 && !cond(); i++) await Bun.sleep(5);
  expect(cond()).toBe(true);
};

describe("HealthMonitors", () => {
  test("probes a watched instance and reports each change of status", async () => {
    const s = setup();
    s.m.sync([{ service: "db", instance: "db.1", check }]);
    expect(s.m.stateOf("db")?.status).toBe("starting");
    await until(() => s.changes.length === 1);
    expect(s.changes).toEqual(["db.1 starting->healthy"]);
    s.fail();
    await until(() => s.changes.length === 2);
    expect(s.changes[1]).toBe("db.1 healthy->unhealthy");
    s.m.dropAll();
  });

  test("starts again for a new instance, and stops with the service", async () => {
    const s = setup();
    s.m.sync([{ service: "db", instance: "db.1", check }]);
    await until(() => s.m.stateOf("db")?.status === "healthy");
    s.m.sync([{ service: "db", instance: "db.2", check }]);
    expect(s.m.stateOf("db", "db.2")?.status).toBe("starting");
    expect(s.m.stateOf("db", "db.1")).toBeUndefined();
    s.m.sync([]);
    const n = s.probed.length;
    await Bun.sleep(60);
    expect(s.probed.length).toBe(n);
  });

  test("does not probe a frozen instance", async () => {
    const s = setup();
    s.pause();
    s.m.sync([{ service: "db", instance: "db.1", check }]);
    await Bun.sleep(80);
    expect(s.probed).toEqual([]);
    s.resume();
    await until(() => s.probed.length > 0);
    s.m.dropAll();
  });
});
