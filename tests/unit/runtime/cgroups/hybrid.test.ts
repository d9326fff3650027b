import { afterEach, describe, expect, test } from "bun:test";
import { cgroupManager } from "../../../../runtime/cgroups/host-manager.ts";
import { FakeCgroupFs } from "../../fakes/cgroupfs.ts";

let fs: FakeCgroupFs;
afterEach(() => fs?.cleanup());

const hybrid = () => {
  // As on this build machine: v1 controllers, and a unified hierarchy offering only hugetlb.
  fs = new FakeCgroupFs({ layout: "hybrid", own: { memory: "/session/abc" } });
  const m = cgroupManager({ id: "ctr" }, fs);
  m.create();
  return m;
};

describe("the hybrid driver", () => {
  test("is chosen when v1 controllers and cgroup2 are both mounted, and joins the unified hierarchy too", () => {
    const m = hybrid();
    expect(m.layout).toBe("hybrid");
    expect(m.dirs().at(-1)).toEqual({ hierarchy: "", dir: `${fs.root}/sys/fs/cgroup/unified/ctr` });
    expect(m.procsFiles()).toHaveLength(10);
  });

  test("applies a resource to the v1 controller where one is mounted and to v2 otherwise (hugetlb here)", () => {
    const m = hybrid();
    m.apply({ memory: { limit: 1 << 20 }, hugepageLimits: [{ pageSize: "2MB", limit: 2 << 20 }] });
    expect(fs.read("/sys/fs/cgroup/memory/session/abc/ctr/memory.limit_in_bytes")).toBe(String(1 << 20));
    expect(fs.read("/sys/fs/cgroup/unified/ctr/hugetlb.2MB.max")).toBe(String(2 << 20));
  });

  test("uses v1 devices rules rather than an eBPF filter when the v1 devices controller is mounted", () => {
    const m = hybrid();
    m.apply({});
    expect(fs.filters).toEqual([]);
    expect(fs.writesTo("devices.deny")).toHaveLength(1);
  });

  test("pauses through the v1 freezer and adds the unified directory's PSI to the statistics", async () => {
    const m = hybrid();
    await m.freeze();
    expect(fs.read("/sys/fs/cgroup/freezer/ctr/freezer.state")).toBe("FROZEN");
    await m.thaw();
    expect(m.stats().cpu.psi?.some.total).toBe(42);
  });

  test("destroy removes the v1 directories and the unified one", async () => {
    const m = hybrid();
    m.addProcess(7);
    await m.destroy();
    for (const d of m.dirs()) expect(fs.exists(d.dir.slice(fs.root.length))).toBe(false);
  });
});
