import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { applyStep, type ActuatorDeps } from "../../../../runtime/memory/actuator.ts";
import type { MemoryCgroupPaths } from "../../../../runtime/memory/observation.ts";
import type { Step } from "../../../../runtime/memory/ladder.ts";
import { FakeCgroupFs } from "../../fakes/cgroupfs.ts";
import { putV1, putV2 } from "./cgroup-fixtures.ts";

const MiB = 2 ** 20;
const V2 = "/sys/fs/cgroup/bunker/hog";
const V1 = { memory: "/sys/fs/cgroup/memory/bunker/hog", freezer: "/sys/fs/cgroup/freezer/bunker/hog" };

let f: FakeCgroupFs;
let restarted: string[];
beforeEach(() => {
  f = new FakeCgroupFs();
  restarted = [];
});
afterEach(() => f.cleanup());

const deps = (where: MemoryCgroupPaths | undefined): ActuatorDeps => ({ fs: f, paths: () => where, restart: async (id) => void restarted.push(id) });
const base = { id: "hog", class: "background", reason: "test" } as const;
const run = (where: MemoryCgroupPaths | undefined, step: Step) => applyStep(deps(where), step);

describe("applyStep() on cgroup v2", () => {
  test("throttles by writing memory.high", async () => {
    putV2(f, V2, { current: 60 * MiB });
    expect((await run({ v2: V2 }, { ...base, action: "throttle", high: 48 * MiB })).outcome).toBe("done");
    expect(f.get(`${V2}/memory.high`)).toBe(String(48 * MiB));
  });

  test("freezes through cgroup.freeze and releases by thawing and lifting memory.high", async () => {
    putV2(f, V2, { current: 60 * MiB, high: 48 * MiB });
    await run({ v2: V2 }, { ...base, action: "freeze" });
    expect(f.get(`${V2}/cgroup.freeze`)).toBe("1");
    await run({ v2: V2 }, { ...base, action: "release" });
    expect(f.get(`${V2}/cgroup.freeze`)).toBe("0");
    expect(f.get(`${V2}/memory.high`)).toBe("max");
  });

  test("kills through cgroup.kill where the kernel has it, signalling no one itself", async () => {
    putV2(f, V2, { current: 60 * MiB, procs: [101, 102] });
    expect(await run({ v2: V2 }, { ...base, action: "kill" })).toEqual({ outcome: "done", detail: "cgroup.kill" });
    expect(f.writesTo("cgroup.kill")).toEqual([[`${V2}/cgroup.kill`, "1"]]);
    expect(f.killed).toEqual([101, 102]);
    expect(f.signalled).toEqual([]);
  });

  test("kills every member with the cgroup frozen when cgroup.kill is missing", async () => {
    putV2(f, V2, { current: 60 * MiB, procs: [101, 102], modern: false });
    expect((await run({ v2: V2 }, { ...base, action: "kill" })).detail).toBe("SIGKILL to 2 process(es)");
    expect(f.signalled).toEqual([101, 102]);
    expect(f.get(`${V2}/cgroup.freeze`)).toBe("0");
  });

  test("reclaims through memory.reclaim and reports what memory.current lost", async () => {
    putV2(f, V2, { current: 60 * MiB });
    const r = await run({ v2: V2 }, { ...base, action: "reclaim", bytes: 3 * MiB });
    expect(f.get(`${V2}/memory.reclaim`)).toBe(String(3 * MiB));
    // A file in a temporary directory does not shrink memory.current: the fake kernel freed nothing.
    expect(r).toEqual({ outcome: "done", detail: `memory.reclaim: asked ${3 * MiB}, freed 0 bytes`, freedBytes: 0 });
  });

  test("squeezes memory.high and puts it back when memory.reclaim is missing", async () => {
    putV2(f, V2, { current: 60 * MiB, high: 50 * MiB, modern: false });
    const r = await run({ v2: V2 }, { ...base, action: "reclaim", bytes: 3 * MiB });
    expect(r.detail).toStartWith("memory.high squeeze");
    expect(f.get(`${V2}/memory.high`)).toBe(String(50 * MiB));
  });

  test("returns a failure naming the step instead of throwing when a file is missing", async () => {
    const r = await run({ v2: "/sys/fs/cgroup/gone" }, { ...base, action: "freeze" });
    expect(r.outcome).toBe("failed");
    expect(r.detail).toContain("Applying freeze to container 'hog': ");
  });
});

describe("applyStep() on cgroup v1", () => {
  test("throttles through the soft limit and freezes through the freezer hierarchy", async () => {
    putV1(f, V1, { current: 60 * MiB });
    await run({ v1: V1 }, { ...base, action: "throttle", high: 48 * MiB });
    expect(f.get(`${V1.memory}/memory.soft_limit_in_bytes`)).toBe(String(48 * MiB));
    await run({ v1: V1 }, { ...base, action: "freeze" });
    expect(f.get(`${V1.freezer}/freezer.state`)).toBe("FROZEN");
  });

  test("kills each member of cgroup.procs, frozen, then thaws", async () => {
    putV1(f, V1, { current: 60 * MiB, procs: [7] });
    await run({ v1: V1 }, { ...base, action: "kill" });
    expect(f.signalled).toEqual([7]);
    expect(f.get(`${V1.freezer}/freezer.state`)).toBe("THAWED");
  });

  test("skips proactive reclaim, which v1 cannot do", async () => {
    putV1(f, V1, { current: 60 * MiB });
    expect((await run({ v1: V1 }, { ...base, action: "reclaim", bytes: MiB })).outcome).toBe("skipped");
  });
});

describe("applyStep() without a cgroup", () => {
  test("restarts through the supervisor", async () => {
    expect((await run(undefined, { ...base, action: "restart" })).outcome).toBe("done");
    expect(restarted).toEqual(["hog"]);
  });

  test("skips a cgroup action for a container that has no cgroup", async () => {
    expect(await run(undefined, { ...base, action: "kill" })).toEqual({ outcome: "skipped", detail: "the container has no cgroup" });
  });
});
