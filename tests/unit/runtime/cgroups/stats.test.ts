import { afterEach, describe, expect, test } from "bun:test";
import { Value } from "@sinclair/typebox/value";
import { EventSchema } from "../../../../runtime/cli/commands/events.ts";
import { cgroupManager } from "../../../../runtime/cgroups/host-manager.ts";
import { CgroupStatsSchema } from "../../../../runtime/cgroups/stats.ts";
import { FakeCgroupFs, type FakeLayout } from "../../fakes/cgroupfs.ts";

let fs: FakeCgroupFs;
afterEach(() => fs?.cleanup());

describe("CgroupStatsSchema", () => {
  for (const layout of ["v1", "v2", "hybrid"] as FakeLayout[]) {
    test(`describes what the ${layout} driver reports, also inside a stats event`, () => {
      fs = new FakeCgroupFs({ layout });
      const m = cgroupManager({ id: "ctr" }, fs);
      m.create();
      const stats = m.stats();
      expect([...Value.Errors(CgroupStatsSchema, stats)].map((e) => `${e.path}: ${e.message}`)).toEqual([]);
      expect(Value.Check(EventSchema, { type: "stats", id: "ctr", data: stats })).toBe(true);
    });
  }

  test("rejects an event of an unknown type", () => {
    expect(Value.Check(EventSchema, { type: "exit", id: "ctr" })).toBe(false);
  });
});
