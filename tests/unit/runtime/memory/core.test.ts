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
