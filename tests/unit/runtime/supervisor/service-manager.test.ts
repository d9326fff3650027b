import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultConfig } from "../../../../runtime/spec/default.ts";
import type { CheckResult, HealthProbe } from "../../../../runtime/supervisor/health-probe.ts";
import type { ServiceEvent } from "../../../../runtime/supervisor/service-events.ts";
import { ServiceManager, type JournaledStep, type ServiceJournal } from "../../../../runtime/supervisor/service-manager.ts";
import { describeStep, type Step } from "../../../../runtime/supervisor/steps.ts";
import { FakeWorld } from "./fake-world.ts";
import { SERVICE_ANNOTATION } from "../../../../runtime/supervisor/current-state.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "bunker-sm-"));
  for (const name of ["db", "api", "web"]) {
    mkdirSync(join(dir, name, "rootfs"), { recursive: true });
    writeFileSync(join(dir, name, "config.json"), JSON.stringify(defaultConfig()));
  }
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const doc = (version: string, web: Record<string, unknown> = {}, dbCheck: Record<string, unknown> = { exec: ["check"], interval: "1s", startInterval: "1s", retries: 2 }) =>
  JSON.stringify({
    device: "board",
    version,
    services: {
      db: { bundle: join(dir, "db"), healthCheck: dbCheck },
      api: { bundle: join(dir, "api"), dependsOn: { db: { condition: "healthy" } } },
      web: { bundle: join(dir, "web"), dependsOn: { api: {} }, ...web },
    },
  });

/** The journal's stand-in: what was recorded, in order, and what a reopened journal recovers. */
class FakeJournal implements ServiceJournal {
  records: string[] = [];
  targetDoc: { document: string; file: string } | undefined;
  open: JournaledStep | undefined;
  recovered() {
    return { ...(this.targetDoc ? { target: this.targetDoc } : {}), ...(this.open ? { step: this.open } : {}) };
  }
  target(document: string, file: string, version: string) {
    this.targetDoc = { document, file };
    this.records.push(`target ${version}`);
  }
  begun(step: Step) {
    this.open = { service: step.service, action: step.action, detail: describeStep(step) };
    this.records.push(`begun ${step.action} ${step.service}`);
  }
  ended(step: Step, outcome: string) {
    this.open = undefined;
    this.records.push(`${outcome} ${step.action} ${step.service}`);
  }
}

const setup = (world = new FakeWorld(), journal = new FakeJournal()) => {
  let healthy = true;
  const checks: string[] = [];
  const probe: HealthProbe = {
    check: async (instance): Promise<CheckResult> => {
      checks.push(instance);
      return healthy ? { ok: true, detail: "exit 0" } : { ok: false, detail: "exit 1" };
    },
  };
  const events: ServiceEvent[] = [];
  const warnings: string[] = [];
  const manager = new ServiceManager({
    ops: world,
    list: () =>
      [...world.instances.values()].map((i) => ({
        id: i.id,
        status: i.status,
        annotations: {
          [SERVICE_ANNOTATION.service]: i.service, [SERVICE_ANNOTATION.hash]: i.hash,
          [SERVICE_ANNOTATION.dependsOn]: i.dependsOn.join(","), [SERVICE_ANNOTATION.stop]: `${i.stopSignal} ${i.stopGraceMs}`,
        },
      })),
    journal,
    probe,
    inspect: () => ({ uptimeS: 5, memoryBytes: 1 << 20 }),
    sink: (e) => events.push(e),
    warn: (m) => warnings.push(m),
    loop: { sleep: async () => {} },
  });
  return { world, journal, manager, events, warnings, checks, sick: () => (healthy = false), well: () => (healthy = true) };
};

const until = async (cond: () => boolean, ms = 5000): Promise<void> => {
  for (const end = Date.now() + ms; !cond() && Date.now() < end; ) await Bun.sleep(10);
  expect(cond()).toBe(true);
};

describe("ServiceManager", () => {
  test("journals the target before any step, then each step begun and done; waits on health for its dependents", async () => {
    const s = setup();
    const report = await s.manager.apply(doc("1"), "t.json", { dryRun: false });
    expect(report.plan.steps.map((l) => l.split(" (")[0])).toEqual(["start db"]);
    expect(s.journal.records.slice(0, 3)).toEqual(["target 1", "begun start db", "done start db"]);
    // api waits until the first health check of db passes (1 s), then api and web follow.
    await until(() => s.world.programStarts.get("web") === 1);
    expect(s.journal.records).toEqual(["target 1", "begun start db", "done start db", "begun start api", "done start api", "begun start web", "done start web"]);
    const status = s.manager.status({ running: true });
    expect([status.version, status.converged]).toEqual(["1", true]);
    expect(status.services.map((x) => [x.name, x.actual, x.health, x.verdict])).toEqual([
      ["api", "running", "none", "untouched"],
      ["db", "running", "healthy", "untouched"],
      ["web", "running", "none", "untouched"],
    ]);
    await s.manager.close();
  });

  test("a dry run changes nothing and journals nothing", async () => {
    const s = setup();
    const report = await s.manager.apply(doc("1"), "t.json", { dryRun: true });
    expect(report.result).toBeUndefined();
    expect(report.plan.services.map((p) => `${p.service}:${p.verdict}`)).toEqual(["db:start", "api:waiting", "web:waiting"]);
    expect([s.journal.records, s.world.calls]).toEqual([[], []]);
    expect(s.manager.status({ running: true }).converged).toBe(false);
  });

  test("a bad document is refused with its JSON pointer, before the journal or the device is touched", async () => {
    const s = setup();
    const bad = JSON.stringify({ device: "board", version: "1", services: { web: { bundle: join(dir, "nope") } } });
    expect(s.manager.apply(bad, "t.json", { dryRun: false })).rejects.toThrow(`Invalid t.json: /services/web/bundle: '${join(dir, "nope", "config.json")}'`);
    expect([s.journal.records, s.world.calls]).toEqual([[], []]);
  });

  test("an exit is restarted by the policy; unhealthy past retries is stopped and restarted", async () => {
    const s = setup();
    await s.manager.apply(doc("1"), "t.json", { dryRun: false });
    await until(() => s.world.programStarts.get("web") === 1);
    const web = [...s.world.instances.values()].find((i) => i.service === "web")!;
    web.status = "stopped";
    s.manager.exited(web.id, { at: Date.now(), status: 1 });
    await until(() => s.world.programStarts.get("web") === 2);
    expect(s.manager.status({ running: true }).services.find((x) => x.name === "web")).toMatchObject({ restarts: 1, lastExit: { status: 1 } });
    s.sick();
    await until(() => s.events.some((e) => e.event === "health" && e.detail.startsWith("healthy -> unhealthy")));
    await until(() => s.world.programStarts.get("db") === 2);
    expect(s.journal.records).toContain("done stop-unhealthy db");
    await s.manager.close();
  }, 15_000);

  test("a daemon restart re-adopts what runs: nothing is started again", async () => {
    const s = setup();
    await s.manager.apply(doc("1"), "t.json", { dryRun: false });
    await until(() => s.world.programStarts.get("web") === 1);
    await s.manager.close();
    const again = setup(s.world, s.journal);
    await again.manager.start();
    await Bun.sleep(50);
    expect(Object.fromEntries(s.world.programStarts)).toEqual({ db: 1, api: 1, web: 1 });
    await again.manager.close();
  });

  test("reports a step left in progress by the previous daemon, and finishes the job", async () => {
    const s = setup();
    s.journal.targetDoc = { document: doc("1"), file: "t.json" };
    s.journal.open = { service: "db", action: "start", detail: "start db (…)" };
    await s.manager.start();
    expect(s.events[0]).toMatchObject({ service: "db", event: "recovered" });
    expect(s.manager.status({ running: true }).interruptedStep).toBeUndefined();
    await until(() => s.world.programStarts.get("web") === 1);
    await s.manager.close();
  });

  test("the health gate says healthy, or unhealthy with the check's detail", async () => {
    const s = setup();
    await s.manager.apply(doc("1"), "t.json", { dryRun: false });
    expect(await s.manager.gate("db", 5000)).toEqual({ service: "db", outcome: "healthy" });
    expect(await s.manager.gate("web", 100)).toEqual({ service: "web", outcome: "running" });
    s.sick();
    await until(() => s.events.some((e) => e.event === "health" && e.detail.startsWith("healthy -> unhealthy")));
    expect(await s.manager.gate("db", 10_000)).toMatchObject({ service: "db", outcome: "unhealthy", detail: "exit 1" });
    await s.manager.close();
  }, 15_000);

  test("shutdown stops every instance, dependents first", async () => {
    const s = setup();
    await s.manager.apply(doc("1"), "t.json", { dryRun: false });
    await until(() => s.world.programStarts.get("web") === 1);
    expect(await s.manager.shutdown()).toEqual([]);
    expect(s.world.calls.filter((c) => c.startsWith("stop")).map((c) => c.split(" ")[1]!.split(".")[0])).toEqual(["web", "api", "db"]);
    expect(s.world.instances.size).toBe(0);
  });
});
