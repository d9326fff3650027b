import { afterEach, describe, expect, test } from "bun:test";
import { cgroupManager } from "../../../../runtime/cgroups/host-manager.ts";
import { until } from "../../../support/until.ts";
import { FakeCgroupFs } from "../../fakes/cgroupfs.ts";

let fs: FakeCgroupFs;
afterEach(() => fs?.cleanup());

// Only for checks that nothing arrives: a change the watch reports would have come by then.
const quietPeriod = () => Bun.sleep(100);

describe("watchOom on cgroup v2", () => {
  test("calls back once per rise of oom_kill in memory.events, and not for other memory events", async () => {
    fs = new FakeCgroupFs({ layout: "v2" });
    const m = cgroupManager({ id: "ctr" }, fs);
    m.create();
    let calls = 0;
    const w = m.watchOom(() => calls++);
    // The fake starts at oom_kill 1: only "high" moves here, then oom_kill. Changes come in order, so had the first
    // been taken for an OOM, the count would pass 1 by the time the second is seen.
    fs.set("/sys/fs/cgroup/ctr/memory.events", "low 0\nhigh 9\nmax 3\noom 1\noom_kill 1\n");
    fs.set("/sys/fs/cgroup/ctr/memory.events", "low 0\nhigh 9\nmax 4\noom 2\noom_kill 2\n");
    await until(() => calls > 0, "the OOM call");
    expect(calls).toBe(1);
    w.close();
    fs.set("/sys/fs/cgroup/ctr/memory.events", "low 0\nhigh 9\nmax 5\noom 3\noom_kill 3\n");
    await quietPeriod();
    expect(calls).toBe(1);
  });
});
