import { describe, expect, test } from "bun:test";
import { mergeResources } from "../../../../runtime/container/update.ts";

describe("mergeResources", () => {
  test("merges a part field by field, keeping the fields the change leaves out", () => {
    const merged = mergeResources({ memory: { limit: 100, swap: 200 }, pids: { limit: 5 } }, { memory: { limit: 150 } });
    expect(merged).toEqual({ memory: { limit: 150, swap: 200 }, pids: { limit: 5 } });
  });

  test("replaces lists as a whole", () => {
    const merged = mergeResources(
      { devices: [{ allow: false, access: "rwm" }], hugepageLimits: [{ pageSize: "2MB", limit: 1 }] },
      { hugepageLimits: [{ pageSize: "1GB", limit: 2 }] },
    );
    expect(merged.hugepageLimits).toEqual([{ pageSize: "1GB", limit: 2 }]);
    expect(merged.devices).toEqual([{ allow: false, access: "rwm" }]);
  });

  test("adds parts the container did not have and leaves the current resources untouched", () => {
    const current = { cpu: { shares: 512 } };
    expect(mergeResources(current, { pids: { limit: 3 } })).toEqual({ cpu: { shares: 512 }, pids: { limit: 3 } });
    expect(current).toEqual({ cpu: { shares: 512 } });
  });
});
