import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { MemoryCore } from "../../../../runtime/memory/core.ts";
import type { CoreContainer } from "../../../../runtime/memory/observation.ts";
import type { MemoryEvent } from "../../../../runtime/memory/event-log.ts";
import { defaultLadderConfig } from "../../../../runtime/memory/ladder.ts";
import { memoryPolicy } from "../../../../runtime/memory/policy.ts";
import type { EpollWatch, WatchCallbacks } from "../../../../runtime/watch/epoll.ts";
import { FakeCgroupFs } from "../../fakes/cgroupfs.ts";
import { putSystem, putV2 } from "./cgroup-fixtures.ts";
import { until } from "../../../support/until.ts";

const MiB = 2 ** 20;
const NOW = 5_000_000;

/** Stands in for the epoll worker: records what was armed, refuses paths listed in `refuse`, fires on demand. */
const fakePsi = (refuse: string[] = []) => {
  const armed = new Map<string, WatchCallbacks>();
  const make: EpollWatch = {
    arm(label, path, _t, cb) {
      if (refuse.includes(path)) throw new Error(`Arming PSI trigger on '${path}'`, { cause: new Error("EINVAL: invalid argument, write") });
      armed.set(label, cb);
    },
    watchFd: () => {},
    disarm: (label) => void armed.delete(label),
    labels: () => [...armed.keys()],
    close: async () => {},
  };
  return { make, armed: () => [...armed.keys()], fire: (label: string, at: number) => armed.get(label)!.fired(at) };
};

let f: FakeCgroupFs;
let events: MemoryEvent[];
let core: MemoryCore | undefined;
beforeEach(() => {
  f = new FakeCgroupFs();
  events = [];
});
afterEach(async () => {
  core?.stop();
  f.cleanup();
});

const container = (id: string, cls: string, current: number): CoreContainer => {
  putV2(f, `/sys/fs/cgroup/bunker/${id}`, { current });
  return { id, policy: memoryPolicy({ "bunker.memory.class": cls, "bunker.reclaim": "off" }), status: "running", paths: { v2: `/sys/fs/cgroup/bunker/${id}` }, restarts: [] };
};


describe("MemoryCore", () => {
  test("arms the system triggers and each container's class triggers, recording each", () => {
    putSystem(f, { availableMiB: 100 });
    const psi = fakePsi();
    const fleet = [container("db", "critical", 100 * MiB), container("hog", "background", 60 * MiB)];
    core = new MemoryCore({ fs: f, config: defaultLadderConfig(), sink: (e) => events.push(e), containers: () => fleet, restart: async () => {}, reserve: { left: 0, step: MiB }, watch: psi.make, now: () => NOW });
    core.start();
    for (const c of fleet) core.attach(c);
    expect(psi.armed()).toEqual(["psi system some look", "psi system some", "psi system full", "psi db some", "psi hog full"]);
    expect(events.filter((e) => e.action === "watch").map((e) => `${e.container}: ${e.reason}`)).toEqual([
      "system: PSI trigger 'some 10000 1000000' on '/proc/pressure/memory'",
      "system: PSI trigger 'some 70000 1000000' on '/proc/pressure/memory'",
      "system: PSI trigger 'full 700000 1000000' on '/proc/pressure/memory'",
      "db: PSI trigger 'some 50000 1000000' on '/sys/fs/cgroup/bunker/db/memory.pressure'",
      "db: memory.events",
      "hog: PSI trigger 'full 300000 2000000' on '/sys/fs/cgroup/bunker/hog/memory.pressure'",
      "hog: memory.events",
    ]);
    // Critical containers are protected; background ones keep nothing under pressure.
    expect(f.get("/sys/fs/cgroup/bunker/db/memory.low")).toBe("max");
    expect(f.get("/sys/fs/cgroup/bunker/hog/memory.low")).toBe("0");
  });

  test("records a refused trigger and does not count it as watched", () => {
    putSystem(f, { availableMiB: 100 });
    const psi = fakePsi(["/proc/pressure/memory"]);
    core = new MemoryCore({ fs: f, config: defaultLadderConfig(), sink: (e) => events.push(e), containers: () => [], restart: async () => {}, reserve: { left: 0, step: MiB }, watch: psi.make, now: () => NOW });
    core.start();
    expect(psi.armed()).toEqual([]);
    expect(events.map((e) => [e.action, e.detail])).toEqual(
      Array(3).fill(["watch-failed", "Arming PSI trigger on '/proc/pressure/memory': EINVAL: invalid argument, write"]),
    );
  });

  test("freezes the background hog when the system full trigger fires, recording the latency from the signal", async () => {
    putSystem(f, { availableMiB: 40, fullAvg10: 12 });
    const psi = fakePsi();
    const fleet = [container("db", "critical", 100 * MiB), container("web", "normal", 30 * MiB), container("hog", "background", 60 * MiB)];
    let clock = NOW;
    core = new MemoryCore({ fs: f, config: defaultLadderConfig(), sink: (e) => events.push(e), containers: () => fleet, restart: async () => {}, reserve: { left: 0, step: MiB }, watch: psi.make, now: () => clock });
    core.start();
    for (const c of fleet) core.attach(c);
    clock = NOW + 3;
    psi.fire("psi system full", NOW);
    await until(() => events.some((e) => e.action === "freeze"), "the freeze");
    const acted = events.filter((e) => e.action !== "watch");
    expect(acted).toEqual([
      {
        time: new Date(NOW + 3).toISOString(), container: "hog", class: "background", action: "freeze", outcome: "done", reason: "system full-stall trigger fired", detail: "frozen", level: "severe",
        pressure: { someAvg10: 0, fullAvg10: 12, memAvailable: 40 * MiB, memoryCurrent: 60 * MiB }, signal: "system full", latencyMs: 3, durationMs: 0,
      },
    ]);
    expect(f.get("/sys/fs/cgroup/bunker/hog/cgroup.freeze")).toBe("1");
  });

  test("keeps each pass's stall totals for the next: a trigger whose stall was spent at a container's own limit acts on no one", async () => {
    putSystem(f, { availableMiB: 120 });
    const psi = fakePsi();
    const pressure = (some: number, full: number) => `some avg10=0.00 avg60=0.00 avg300=0.00 total=${some}\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=${full}\n`;
    const writer = container("writer", "normal", 16 * MiB);
    f.set("/sys/fs/cgroup/bunker/writer/memory.max", `${16 * MiB}\n`);
    const fleet = [container("hog", "background", 60 * MiB), writer];
    let clock = NOW;
    core = new MemoryCore({ fs: f, config: defaultLadderConfig(), sink: (e) => events.push(e), containers: () => fleet, restart: async () => {}, reserve: { left: 0, step: MiB }, watch: psi.make, now: () => clock });
    core.start();
    for (const c of fleet) core.attach(c);
    // The first pass has nothing to compare with: it answers the trigger.
    f.set("/proc/pressure/memory", pressure(400_000, 100_000));
    psi.fire("psi system some", clock);
    await until(() => events.some((e) => e.action === "throttle"), "the first throttle");
    // Since then the system stalled 575 ms more, all of it the writer's at its own limit.
    clock += 2_000;
    f.set("/proc/pressure/memory", pressure(975_000, 455_000));
    f.set("/sys/fs/cgroup/bunker/writer/memory.pressure", pressure(575_000, 355_000));
    psi.fire("psi system some", clock);
    psi.fire("psi system full", clock);
    await until(() => !core!["busy"], "the second pass");
    expect(events.filter((e) => e.action === "throttle" || e.action === "freeze").map((e) => `${e.action} ${e.container}`)).toEqual(["throttle hog"]);
    // 100 ms later another pass (a faint trigger) still sees those signals as fresh; the write is over, the writer far
    // below its limit. It compares with a pass 2 s back, not the one just before, so the stall is still the writer's
    // (it hit its limit in that time).
    clock += 100;
    f.set("/sys/fs/cgroup/bunker/writer/memory.current", `${MiB}\n`);
    f.set("/sys/fs/cgroup/bunker/writer/memory.events", "low 0\nhigh 0\nmax 686\noom 0\noom_kill 0\noom_group_kill 0\n");
    psi.fire("psi system some look", clock);
    await until(() => !core!["busy"], "the third pass");
    expect(events.filter((e) => e.action === "throttle" || e.action === "freeze").map((e) => `${e.action} ${e.container}`)).toEqual(["throttle hog"]);
    // Stall that is not the writer's is answered again (the writer, back at its limit, is the one left to throttle).
    clock += 2_000;
    f.set("/sys/fs/cgroup/bunker/writer/memory.current", `${16 * MiB}\n`);
    f.set("/proc/pressure/memory", pressure(1_975_000, 455_000));
    psi.fire("psi system some", clock);
    await until(() => events.filter((e) => e.action === "throttle").length === 2, "the second throttle");
  });

  test("plans again when a background reclaim is done, so the next one is timed", async () => {
    putSystem(f, { availableMiB: 150 });
    const fleet = [{ ...container("idle", "normal", 100 * MiB), policy: memoryPolicy({ "bunker.reclaim": "on" }) }];
    let clock = NOW;
    core = new MemoryCore({ fs: f, config: defaultLadderConfig({ reclaimIntervalMs: 50, reclaimRecheckMs: 50 }), sink: (e) => events.push(e), containers: () => fleet, restart: async () => {}, reserve: { left: 0, step: MiB }, watch: fakePsi().make, now: () => clock });
    core.start();
    core.attach(fleet[0]!);
    await until(() => events.some((e) => e.action === "reclaim"), "the first reclaim");
    expect(events.filter((e) => e.action === "reclaim")).toHaveLength(1);
    clock = NOW + 60;
    await until(() => events.filter((e) => e.action === "reclaim").length >= 2, "the next, timed reclaim");
  });

  test("records a kernel OOM kill seen in memory.events", async () => {
    putSystem(f, { availableMiB: 100 });
    const fleet = [container("web", "normal", 30 * MiB)];
    core = new MemoryCore({ fs: f, config: defaultLadderConfig(), sink: (e) => events.push(e), containers: () => fleet, restart: async () => {}, reserve: { left: 0, step: MiB }, watch: fakePsi().make });
    core.start();
    core.attach(fleet[0]!);
    f.set("/sys/fs/cgroup/bunker/web/memory.events", "low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\noom_group_kill 0\n");
    await until(() => events.some((e) => e.action === "kernel-oom-kill"), "the kernel OOM kill event");
    expect(events.find((e) => e.action === "kernel-oom-kill")).toMatchObject({ container: "web", class: "normal", reason: "memory.events oom_kill grew" });
  });
});
