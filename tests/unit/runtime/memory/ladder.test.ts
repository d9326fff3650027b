import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { readCgroupMemory, readSystemMemory } from "../../../../runtime/memory/cgroup-memory.ts";
import { defaultLadderConfig, planLadder } from "../../../../runtime/memory/ladder.ts";
import type { ContainerView, Managed, Observation, Signal } from "../../../../runtime/memory/observation.ts";
import { memoryPolicy } from "../../../../runtime/memory/policy.ts";
import type { MemoryClass } from "../../../../runtime/memory/classes.ts";
import { FakeCgroupFs } from "../../fakes/cgroupfs.ts";
import { putSystem, putV2, type V2Fixture } from "./cgroup-fixtures.ts";

const MiB = 2 ** 20;
const NOW = 1_000_000;
const config = defaultLadderConfig();

let f: FakeCgroupFs;
beforeEach(() => (f = new FakeCgroupFs()));
afterEach(() => f.cleanup());

interface Spec extends V2Fixture {
  id: string;
  cls: MemoryClass;
  annotations?: Record<string, string>;
  managed?: Managed;
}

/** Lays the containers out in the fake cgroupfs and reads them back, as the daemon does. */
const observe = (system: Parameters<typeof putSystem>[1], specs: Spec[], extra: Partial<Observation> = {}): Observation => {
  putSystem(f, system);
  const containers: ContainerView[] = specs.map((s) => {
    putV2(f, `/sys/fs/cgroup/bunker/${s.id}`, s);
    return {
      id: s.id,
      policy: memoryPolicy({ "bunker.memory.class": s.cls, "bunker.reclaim": "off", ...s.annotations }),
      status: "running",
      memory: readCgroupMemory(f, { v2: `/sys/fs/cgroup/bunker/${s.id}` }),
      restarts: [],
      managed: s.managed ?? {},
    };
  });
  return { now: NOW, system: readSystemMemory(f), containers, signals: [], ...extra };
};

const fleet: Spec[] = [
  { id: "db", cls: "critical", current: 120 * MiB },
  { id: "web", cls: "normal", current: 40 * MiB },
  { id: "indexer", cls: "background", current: 30 * MiB },
  { id: "hog", cls: "background", current: 60 * MiB },
];
const signal = (source: string, kind: Signal["kind"], ago = 5): Signal => ({ source, kind, at: NOW - ago });

describe("planLadder()", () => {
  test("does nothing and asks for no wake-up while memory is calm and reclaim is off", () => {
    const plan = planLadder(observe({ availableMiB: 120 }, fleet), config);
    expect(plan).toEqual({ level: "calm", why: "no pressure", steps: [] });
  });

  test("throttles the largest background container first when the system some-trigger fires", () => {
    const plan = planLadder(observe({ availableMiB: 60 }, fleet, { signals: [signal("system", "some")] }), config);
    expect(plan.level).toBe("tight");
    expect(plan.steps).toEqual([{ id: "hog", class: "background", action: "throttle", high: Math.floor(60 * MiB * 0.8), reason: "system some-stall trigger fired" }]);
    expect(plan.nextAt).toBe(NOW + config.sampleMs);
  });

  test("moves up to the normal class once every background container is throttled", () => {
    const specs = fleet.map((s) => (s.cls === "background" ? { ...s, managed: { throttledTo: s.current } } : s));
    const plan = planLadder(observe({ availableMiB: 25 }, specs), config);
    expect(plan.why).toBe("MemAvailable 9.8% < 12%");
    expect(plan.steps.map((s) => `${s.action} ${s.id}`)).toEqual(["throttle web"]);
  });

  test("freezes the largest background container when the system full-trigger fires", () => {
    const plan = planLadder(observe({ availableMiB: 30 }, fleet, { signals: [signal("system", "full")] }), config);
    expect(plan.level).toBe("severe");
    expect(plan.steps.map((s) => `${s.action} ${s.id}`)).toEqual(["freeze hog"]);
  });

  test("kills instead of freezing a container that brings the pressure back after a thaw", () => {
    const specs = fleet.map((s) => (s.id === "hog" ? { ...s, managed: { thawed: 1 } } : s));
    const plan = planLadder(observe({ availableMiB: 30 }, specs, { signals: [signal("system", "full")] }), config);
    expect(plan.steps).toEqual([{ id: "hog", class: "background", action: "kill", reason: "system full-stall trigger fired; pressure came back after it was thawed" }]);
  });

  test("freezes a container whose throttle write is still running, but does not throttle it twice", () => {
    const specs = fleet.map((s) => (s.id === "hog" ? { ...s, managed: { throttledTo: 48 * MiB, inFlight: true } } : s));
    const severe = planLadder(observe({ availableMiB: 30 }, specs, { signals: [signal("system", "full")] }), config);
    expect(severe.steps.map((s) => `${s.action} ${s.id}`)).toEqual(["freeze hog"]);
    const tight = planLadder(observe({ availableMiB: 60 }, specs, { signals: [signal("system", "some")] }), config);
    expect(tight.steps.map((s) => `${s.action} ${s.id}`)).toEqual(["throttle indexer"]);
  });

  test("takes a faint 'look' trigger as a reason to read MemAvailable, not as pressure", () => {
    expect(planLadder(observe({ availableMiB: 120 }, fleet, { signals: [signal("system", "look")] }), config).level).toBe("calm");
    expect(planLadder(observe({ availableMiB: 25 }, fleet, { signals: [signal("system", "look")] }), config).why).toBe("MemAvailable 9.8% < 12%");
  });

  test("ignores a trigger older than the freshness window", () => {
    const plan = planLadder(observe({ availableMiB: 120 }, fleet, { signals: [signal("system", "full", 5000)] }), config);
    expect(plan.level).toBe("calm");
  });

  test("kills a frozen background container, largest first, when MemAvailable falls below the critical share", () => {
    const specs = fleet.map((s) => (s.id === "hog" ? { ...s, frozen: true, managed: { frozenAt: NOW - 1000 } } : s));
    const plan = planLadder(observe({ availableMiB: 5 }, specs), config);
    expect(plan.level).toBe("critical");
    expect(plan.steps.map((s) => `${s.action} ${s.id}`)).toEqual(["kill hog"]);
  });

  test("never picks the critical container, even when it is the largest", () => {
    const plan = planLadder(observe({ availableMiB: 5 }, [fleet[0]!, { id: "small", cls: "normal", current: 8 * MiB }]), config);
    expect(plan.steps.map((s) => `${s.action} ${s.id}`)).toEqual(["kill small"]);
    expect(planLadder(observe({ availableMiB: 5 }, [fleet[0]!]), config).steps).toEqual([]);
  });

  test("leaves alone a container too small to matter (under 1% of MemTotal)", () => {
    const plan = planLadder(observe({ availableMiB: 5 }, [fleet[0]!, { id: "sleeper", cls: "background", current: 100 << 10 }]), config);
    expect(plan.level).toBe("critical");
    expect(plan.steps).toEqual([]);
  });

  test("does not count a trigger that fired before the last action, which answered it", () => {
    const obs = observe({ availableMiB: 60 }, fleet, { signals: [signal("system", "full", 400)], lastActionAt: NOW - 300 });
    expect(planLadder(obs, config).level).toBe("calm");
    const later = observe({ availableMiB: 60 }, fleet, { signals: [signal("system", "full", 200)], lastActionAt: NOW - 300 });
    expect(planLadder(later, config).level).toBe("severe");
  });

  test("reads PSI averages only once their 10 s window no longer covers the last action, and only when memory is short", () => {
    const recent = observe({ availableMiB: 40, someAvg10: 30, fullAvg10: 20 }, fleet, { lastActionAt: NOW - 5000 });
    expect(planLadder(recent, config).level).toBe("calm");
    const old = observe({ availableMiB: 40, someAvg10: 30, fullAvg10: 20 }, fleet, { lastActionAt: NOW - 11_000 });
    expect(planLadder(old, config).why).toBe("system PSI full avg10 20%");
    const plenty = observe({ availableMiB: 120, someAvg10: 30, fullAvg10: 20 }, fleet);
    expect(planLadder(plenty, config).level).toBe("calm");
  });

  test("kills instead of freezing when nothing is left to freeze under severe pressure", () => {
    const specs = fleet.map((s) => (s.cls !== "critical" ? { ...s, frozen: true, managed: { frozenAt: NOW - 2000 } } : s));
    const plan = planLadder(observe({ availableMiB: 10 }, specs), config);
    expect(plan.steps.map((s) => `${s.action} ${s.id}`)).toEqual(["kill hog"]);
  });

  test("waits for the last action to take effect before escalating again", () => {
    const obs = observe({ availableMiB: 5 }, fleet, { lastActionAt: NOW - 100 });
    expect(planLadder(obs, config).steps).toEqual([]);
    expect(planLadder({ ...obs, lastActionAt: NOW - 300 }, config).steps.map((s) => s.action)).toEqual(["kill"]);
  });

  test("treats a critical container's own stall as tight memory, unless it stalls against its own limit", () => {
    const squeezed = planLadder(observe({ availableMiB: 60 }, fleet, { signals: [signal("db", "some")] }), config);
    expect(squeezed.why).toBe("critical container 'db' stalls on memory");
    expect(squeezed.steps.map((s) => `${s.action} ${s.id}`)).toEqual(["throttle hog"]);
    const atLimit = fleet.map((s) => (s.id === "db" ? { ...s, max: 125 * MiB } : s));
    expect(planLadder(observe({ availableMiB: 60 }, atLimit, { signals: [signal("db", "some")] }), config).level).toBe("calm");
  });

  test("undoes one hold at a time, most important first, after calm has lasted", () => {
    const specs = fleet.map((s) =>
      s.id === "web" ? { ...s, managed: { throttledTo: 30 * MiB } } : s.id === "hog" ? { ...s, frozen: true, managed: { frozenAt: NOW - 60_000 } } : s,
    );
    const early = planLadder(observe({ availableMiB: 120 }, specs, { lastPressureAt: NOW - 10_000 }), config);
    expect(early.steps).toEqual([]);
    expect(early.nextAt).toBe(NOW - 10_000 + config.releaseAfterMs);
    const late = planLadder(observe({ availableMiB: 120 }, specs, { lastPressureAt: NOW - 40_000 }), config);
    expect(late.steps.map((s) => `${s.action} ${s.id}`)).toEqual(["release web"]);
    // The next release waits until the previous one has had its time.
    const next = planLadder(observe({ availableMiB: 120 }, specs, { lastPressureAt: NOW - 40_000, lastActionAt: NOW - 1 }), config);
    expect(next.steps).toEqual([]);
    expect(next.nextAt).toBe(NOW - 1 + config.releaseAfterMs);
  });

  test("reclaims less the closer a container's own pressure is to its target, and nothing above it", () => {
    const on = { "bunker.reclaim": "on", "bunker.reclaim.target": "1%" };
    const specs: Spec[] = [
      { id: "idle", cls: "normal", current: 100 * MiB, someAvg10: 0, annotations: on },
      { id: "warm", cls: "normal", current: 100 * MiB, someAvg10: 0.5, annotations: on },
      { id: "hot", cls: "normal", current: 100 * MiB, someAvg10: 2, annotations: on },
    ];
    const plan = planLadder(observe({ availableMiB: 120 }, specs), config);
    expect(plan.steps).toEqual([
      { id: "idle", class: "normal", action: "reclaim", bytes: 5 * MiB, reason: "own PSI some avg10 0% < target 1%" },
      { id: "warm", class: "normal", action: "reclaim", bytes: 2.5 * MiB, reason: "own PSI some avg10 0.5% < target 1%" },
    ]);
    expect(plan.nextAt).toBe(NOW + config.reclaimIntervalMs);
  });

  test("looks again at the recheck time at a container too small to reclaim from yet", () => {
    const spec: Spec = { id: "starting", cls: "normal", current: 512 << 10, annotations: { "bunker.reclaim": "on" } };
    const plan = planLadder(observe({ availableMiB: 120 }, [spec]), config);
    expect(plan.steps).toEqual([]);
    expect(plan.nextAt).toBe(NOW + config.reclaimRecheckMs);
  });

  test("takes containers due within half an interval in the same pass", () => {
    const on = { "bunker.reclaim": "on" };
    const specs: Spec[] = [
      { id: "a", cls: "normal", current: 100 * MiB, annotations: on, managed: { reclaimedAt: NOW - 10_000 } },
      { id: "b", cls: "normal", current: 100 * MiB, annotations: on, managed: { reclaimedAt: NOW - 6_000 } },
      { id: "c", cls: "normal", current: 100 * MiB, annotations: on, managed: { reclaimedAt: NOW - 1_000 } },
    ];
    const plan = planLadder(observe({ availableMiB: 120 }, specs), config);
    expect(plan.steps.map((s) => s.id)).toEqual(["a", "b"]);
    expect(plan.nextAt).toBe(NOW + 9_000);
  });

  test("leaves a settled container alone until the recheck time", () => {
    const spec: Spec = { id: "idle", cls: "background", current: 50 * MiB, annotations: { "bunker.reclaim": "on" }, managed: { reclaimedAt: NOW - 20_000, reclaimSettled: true } };
    const plan = planLadder(observe({ availableMiB: 120 }, [spec]), config);
    expect(plan.steps).toEqual([]);
    expect(plan.nextAt).toBe(NOW - 20_000 + config.reclaimRecheckMs);
  });
});

describe("planLadder() restarts", () => {
  const stopped = (restart: string, exit: ContainerView["exit"], restarts: number[] = []): ContainerView => ({
    id: "job",
    policy: memoryPolicy({ "bunker.restart": restart, "bunker.restart.limit": "3" }),
    status: "stopped",
    ...(exit ? { exit } : {}),
    restarts,
    managed: {},
  });
  const calm = (c: ContainerView, extra: Partial<Observation> = {}): Observation => ({
    now: NOW,
    system: { memTotal: 256 * MiB, memAvailable: 120 * MiB, swapTotal: 0, swapFree: 0 },
    containers: [c],
    signals: [],
    ...extra,
  });

  test("restarts a container once its backoff has passed", () => {
    const plan = planLadder(calm(stopped("always", { at: NOW - 1500, status: 1 })), config);
    expect(plan.steps).toEqual([{ id: "job", class: "normal", action: "restart", reason: "restart policy 'always' after status 1, delay 1000 ms" }]);
  });

  test("asks to be woken when the backoff ends instead of restarting early", () => {
    const plan = planLadder(calm(stopped("always", { at: NOW - 200, status: 1 })), config);
    expect(plan.steps).toEqual([]);
    expect(plan.nextAt).toBe(NOW + 800);
  });

  test("holds a restart back while memory is severe", () => {
    const obs = calm(stopped("on-failure", { at: NOW - 5000, status: 137, killedBy: "ladder" }), { signals: [signal("system", "full")] });
    expect(planLadder(obs, config).steps).toEqual([]);
  });

  test("gives up on a crash loop once", () => {
    const looping = stopped("always", { at: NOW, status: 1 }, [NOW - 3000, NOW - 2000, NOW - 1000]);
    expect(planLadder(calm(looping), config).steps.map((s) => s.action)).toEqual(["give-up"]);
    expect(planLadder(calm({ ...looping, managed: { gaveUp: true } }), config).steps).toEqual([]);
  });
});

describe("planLadder() and stall at a container's own limit", () => {
  // A container writing through its 16 MiB limit, beside the fleet; memory itself is plentiful.
  const writer: Spec = { id: "writer", cls: "normal", current: 16 * MiB, max: 16 * MiB };
  /** Sets the PSI totals (µs) the pass read, as the kernel counts them. */
  const totals = (o: Observation, system: { some: number; full: number }, own: Record<string, { some: number; full: number }>): Observation => {
    o.system.psi!.some.total = system.some;
    o.system.psi!.full!.total = system.full;
    for (const c of o.containers) if (own[c.id]) Object.assign(c.memory!.psi!, { some: { ...c.memory!.psi!.some, total: own[c.id]!.some }, full: { ...c.memory!.psi!.full!, total: own[c.id]!.full } });
    return o;
  };
  const before = { system: { some: 400_000, full: 100_000 }, containers: { writer: { some: 0, full: 0, max: 0 } } };

  test("a system trigger whose stall was spent at the writer's own limit acts on no one", () => {
    for (const kind of ["some", "full"] as const) {
      const o = totals(observe({ availableMiB: 120 }, [...fleet, writer], { signals: [signal("system", kind)], previousStalls: before }), { some: 975_000, full: 455_000 }, { writer: { some: 575_000, full: 355_000 } });
      const plan = planLadder(o, config);
      expect([kind, plan.level, plan.steps]).toEqual([kind, "calm", []]);
    }
  });

  test("acts when others stalled too: the writer's share is under 80 % of the system's stall", () => {
    const o = totals(observe({ availableMiB: 120 }, [...fleet, writer], { signals: [signal("system", "some")], previousStalls: before }), { some: 1_400_000, full: 400_000 }, { writer: { some: 575_000, full: 355_000 } });
    const plan = planLadder(o, config);
    expect(plan.level).toBe("tight");
    expect(plan.steps.map((s) => `${s.action} ${s.id}`)).toEqual(["throttle hog"]);
  });

  test("a writer below its limit by the time of the pass still owns the stall if it hit the limit since the last one", () => {
    const o = totals(observe({ availableMiB: 120 }, [...fleet, { ...writer, current: MiB }], { signals: [signal("system", "some")], previousStalls: before }), { some: 975_000, full: 455_000 }, { writer: { some: 575_000, full: 355_000 } });
    expect(planLadder(o, config).level).toBe("tight");
    o.containers.find((c) => c.id === "writer")!.memory!.events.max = 686;
    expect(planLadder(o, config).level).toBe("calm");
  });

  test("without an earlier pass, or for a container that never reached its limit, nothing is discounted", () => {
    const first = totals(observe({ availableMiB: 120 }, [...fleet, writer], { signals: [signal("system", "some")] }), { some: 975_000, full: 455_000 }, { writer: { some: 575_000, full: 355_000 } });
    expect(planLadder(first, config).level).toBe("tight");
    const roomy = totals(observe({ availableMiB: 120 }, [...fleet, { ...writer, max: 64 * MiB }], { signals: [signal("system", "some")], previousStalls: before }), { some: 975_000, full: 455_000 }, { writer: { some: 575_000, full: 355_000 } });
    expect(planLadder(roomy, config).level).toBe("tight");
  });

  test("a writer restarted since the last pass counts its totals from zero", () => {
    const restarted = { ...before, containers: { writer: { some: 9_000_000, full: 9_000_000, max: 0 } } };
    const o = totals(observe({ availableMiB: 120 }, [...fleet, writer], { signals: [signal("system", "some")], previousStalls: restarted }), { some: 975_000, full: 455_000 }, { writer: { some: 575_000, full: 355_000 } });
    expect(planLadder(o, config).level).toBe("calm");
  });
});
