import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { watchMemoryEvents, type EventsChange } from "../../../../../runtime/cgroups/v2/memory-events.ts";
import { FakeCgroupFs } from "../../../fakes/cgroupfs.ts";
import { putV2 } from "../../memory/cgroup-fixtures.ts";
import { until } from "../../../../support/until.ts";

const DIR = "/sys/fs/cgroup/bunker/web";
let f: FakeCgroupFs;
beforeEach(() => {
  f = new FakeCgroupFs();
  putV2(f, DIR, { current: 1 << 20 });
});
afterEach(() => f.cleanup());


describe("watchMemoryEvents()", () => {
  test("reports which counters grew when memory.events changes", async () => {
    const seen: EventsChange[] = [];
    const w = watchMemoryEvents(f, DIR, (c) => seen.push(c));
    f.set(`${DIR}/memory.events`, "low 0\nhigh 3\nmax 0\noom 1\noom_kill 1\noom_group_kill 0\n");
    await until(() => seen.length > 0);
    w.close();
    expect(seen[0]!.grew).toEqual(["high", "oom", "oomKill"]);
    expect(seen[0]!.events.oomKill).toBe(1);
  });

  test("stays quiet when the file is rewritten without a counter moving", async () => {
    const seen: EventsChange[] = [];
    const w = watchMemoryEvents(f, DIR, (c) => seen.push(c));
    f.set(`${DIR}/memory.events`, f.get(`${DIR}/memory.events`));
    f.set(`${DIR}/memory.events`, "low 0\nhigh 1\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n");
    await until(() => seen.length > 0);
    await Bun.sleep(20);
    w.close();
    expect(seen.map((c) => c.grew)).toEqual([["high"]]);
  });
});
