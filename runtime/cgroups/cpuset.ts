// cpuset: cpuset.cpus and cpuset.mems are the same files on cgroup v1 and v2 (the seed's cpuset/memset split).
import type { Controller } from "./controller.ts";
import { writeFile } from "./files.ts";

export const cpuset: Controller = {
  name: "cpuset",
  resource: "cpuset",
  wanted: (r) => !!(r.cpu?.cpus || r.cpu?.mems),
  apply: (r, dir, fs) => {
    if (r.cpu?.cpus) writeFile(fs, dir, "cpuset.cpus", r.cpu.cpus);
    if (r.cpu?.mems) writeFile(fs, dir, "cpuset.mems", r.cpu.mems);
  },
};
