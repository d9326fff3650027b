// The memory core's holds outlive a daemon: a killed daemon's freeze and throttle are taken up by the next one (and
// released after calm), a clean stop releases them.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryCore } from "../../../../runtime/memory/core.ts";
import type { CoreContainer } from "../../../../runtime/memory/observation.ts";
import type { EpollWatch } from "../../../../runtime/watch/epoll.ts";
import type { MemoryEvent } from "../../../../runtime/memory/event-log.ts";
import { fileHoldStore, holdsPath } from "../../../../runtime/memory/holds.ts";
import { defaultLadderConfig } from "../../../../runtime/memory/ladder.ts";
import { memoryPolicy } from "../../../../runtime/memory/policy.ts";
import { FakeCgroupFs } from "../../fakes/cgroupfs.ts";
import { putSystem, putV2 } from "./cgroup-fixtures.ts";

const MiB = 2 ** 20;
const noWatch: EpollWatch = { arm: () => {}, watchFd: () => {}, disarm: () => {}, labels: () => [], close: async () => {} };

let f: FakeCgroupFs;
let root: string;
let events: MemoryEvent[];
let clock: number;
beforeEach(() => {
  f = new FakeCgroupFs();
  root = mkdtempSync(join(tmpdir(), "bunker-holds-"));
  events = [];
  clock = 1_000_000;
  putSystem(f, { availableMiB: 150 });
});
afterEach(() => {
  f.cleanup();
  rmSync(root, { recursive: true, force: true });
});

const dir = "/sys/fs/cgroup/bunker/hog";
const hog: CoreContainer = { id: "hog", policy: memoryPolicy({ "bunker.memory.class": "background", "bunker.reclaim": "off" }), status: "running", paths: { v2: dir }, restarts: [] };

const core = () =>
  new MemoryCore({
    fs: f, config: defaultLadderConfig({ releaseAfterMs: 1000 }), sink: (e) => events.push(e), containers: () => [hog], restart: async () => {},
    reserve: { left: 0, step: MiB }, watch: noWatch, holds: fileHoldStore(holdsPath(root)), now: () => clock,
  });

describe("memory core holds", () => {
  test("a killed daemon's freeze and throttle are taken up, and released once calm has lasted", async () => {
    putV2(f, dir, { current: 60 * MiB, frozen: true, high: 50 * MiB });
    fileHoldStore(holdsPath(root)).save({ hog: { frozen: true, throttledTo: 50 * MiB }, gone: { frozen: true } });
    const c = core();
    c.start();
    c.attach(hog);
    expect(events.find((e) => e.action === "adopt-hold")).toMatchObject({ container: "hog", detail: `frozen, memory.high ${50 * MiB}` });
    // Still held right after the start: calm has not lasted yet.
    await Bun.sleep(5);
    expect(f.get(`${dir}/cgroup.freeze`)).toBe("1\n");
    clock += 2000;
    c.signal({ source: "system", kind: "timer", at: clock });
    await Bun.sleep(20);
    expect(events.some((e) => e.action === "release" && e.outcome === "done")).toBe(true);
    expect([f.get(`${dir}/cgroup.freeze`), f.get(`${dir}/memory.high`)]).toEqual(["0", "max"]);
    // Released and the container that no longer exists forgotten: nothing is left to take up.
    expect(existsSync(holdsPath(root))).toBe(false);
    c.stop();
  });

  test("a hold the cgroup no longer shows is not taken up", () => {
    putV2(f, dir, { current: 60 * MiB });
    fileHoldStore(holdsPath(root)).save({ hog: { frozen: true, throttledTo: 50 * MiB } });
    const c = core();
    c.start();
    c.attach(hog);
    expect(events.some((e) => e.action === "adopt-hold")).toBe(false);
    c.stop();
  });

  test("a clean stop releases what the core holds", () => {
    putV2(f, dir, { current: 60 * MiB, frozen: true, high: 50 * MiB });
    fileHoldStore(holdsPath(root)).save({ hog: { frozen: true, throttledTo: 50 * MiB } });
    const c = core();
    c.start();
    c.attach(hog);
    c.stop();
    expect([f.get(`${dir}/cgroup.freeze`), f.get(`${dir}/memory.high`)]).toEqual(["0", "max"]);
    expect(events.filter((e) => e.action === "release").map((e) => e.reason)).toEqual(["the daemon stops: holds released"]);
    expect(existsSync(holdsPath(root))).toBe(false);
  });
});
