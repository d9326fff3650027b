import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { applyOomDecision, decideOom, heldProcesses, underOom } from "../../../../runtime/memory/oom-v1.ts";
import { FakeCgroupFs } from "../../fakes/cgroupfs.ts";
import { putV1 } from "./cgroup-fixtures.ts";

const MiB = 2 ** 20;
const DIRS = { memory: "/sys/fs/cgroup/memory/bunker/app", freezer: "/sys/fs/cgroup/freezer/bunker/app" };
const procs = [
  { pid: 10, comm: "sh", rss: 1 * MiB },
  { pid: 11, comm: "worker", rss: 30 * MiB },
];

describe("decideOom()", () => {
  test("grants a step from the reserve to a critical container", () => {
    expect(decideOom("critical", 32 * MiB, procs, { left: 16 * MiB, step: 8 * MiB })).toEqual({
      action: "grant", bytes: 8 * MiB, limit: 40 * MiB, reason: `critical container at its limit, reserve has ${16 * MiB} bytes`,
    });
  });

  test("kills the largest process of a normal container even when the reserve could grant", () => {
    const d = decideOom("normal", 32 * MiB, procs, { left: 16 * MiB, step: 8 * MiB });
    expect(d).toEqual({ action: "kill-process", pid: 11, comm: "worker", rss: 30 * MiB, reason: "largest process at the limit; normal containers get no grants" });
  });

  test("kills the largest process of a critical container once the reserve is spent", () => {
    const d = decideOom("critical", 32 * MiB, procs, { left: 4 * MiB, step: 8 * MiB });
    expect(d.action === "kill-process" && d.reason).toBe("largest process at the limit; the reserve is spent");
  });
});

describe("the v1 OOM handler on a fake cgroupfs", () => {
  let f: FakeCgroupFs;
  beforeEach(() => (f = new FakeCgroupFs()));
  afterEach(() => f.cleanup());

  test("sees the hold, lists members with their RSS and kills the chosen one", () => {
    putV1(f, DIRS, { current: 32 * MiB, limit: 32 * MiB, underOom: true, procs: [10, 11, 12] });
    f.set("/proc/10/status", "Name:\tsh\nVmRSS:\t    1024 kB\n");
    f.set("/proc/11/status", "Name:\tworker\nVmRSS:\t   30720 kB\n");
    expect(underOom(f, DIRS.memory)).toBe(true);
    expect(heldProcesses(f, DIRS.memory)).toEqual(procs);
    applyOomDecision(f, DIRS.memory, decideOom("background", 32 * MiB, heldProcesses(f, DIRS.memory), { left: 0, step: MiB }));
    expect(f.signalled).toEqual([11]);
  });

  test("raises memsw before the limit when granting", () => {
    putV1(f, DIRS, { current: 32 * MiB, limit: 32 * MiB, underOom: true });
    f.set(`${DIRS.memory}/memory.memsw.limit_in_bytes`, `${48 * MiB}\n`);
    applyOomDecision(f, DIRS.memory, { action: "grant", bytes: 8 * MiB, limit: 40 * MiB, reason: "" });
    expect(f.get(`${DIRS.memory}/memory.memsw.limit_in_bytes`)).toBe(String(56 * MiB));
    expect(f.get(`${DIRS.memory}/memory.limit_in_bytes`)).toBe(String(40 * MiB));
  });
});
