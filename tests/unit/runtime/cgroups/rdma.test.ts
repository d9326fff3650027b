import { afterEach, describe, expect, test } from "bun:test";
import { cgroupManager } from "../../../../runtime/cgroups/host-manager.ts";
import { FakeCgroupFs } from "../../fakes/cgroupfs.ts";

let fs: FakeCgroupFs;
afterEach(() => fs?.cleanup());

describe("rdma", () => {
  test("writes one rdma.max line per device with the limits given", () => {
    fs = new FakeCgroupFs({ layout: "v2" });
    const m = cgroupManager({ id: "ctr" }, fs);
    m.create();
    m.apply({ rdma: { mlx4_0: { hcaHandles: 2, hcaObjects: 2000 }, mlx5_1: { hcaObjects: 10 } } });
    expect(fs.writesTo("rdma.max").map(([, d]) => d)).toEqual(["mlx4_0 hca_handle=2 hca_object=2000", "mlx5_1 hca_object=10"]);
  });
});
