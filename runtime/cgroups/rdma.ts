// rdma: rdma.max is the same file on cgroup v1 and v2 ("<device> hca_handle=N hca_object=N").
import type { Controller } from "./controller.ts";
import { writeFile } from "./files.ts";

export const rdma: Controller = {
  name: "rdma",
  resource: "rdma",
  wanted: (r) => Object.keys(r.rdma ?? {}).length > 0,
  apply: (r, dir, fs) => {
    for (const [device, l] of Object.entries(r.rdma ?? {})) {
      const limits = [l.hcaHandles !== undefined ? `hca_handle=${l.hcaHandles}` : "", l.hcaObjects !== undefined ? `hca_object=${l.hcaObjects}` : ""];
      if (limits.some(Boolean)) writeFile(fs, dir, "rdma.max", `${device} ${limits.filter(Boolean).join(" ")}`);
    }
  },
};
