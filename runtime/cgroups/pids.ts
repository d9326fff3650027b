// pids: pids.max and pids.current are the same files on cgroup v1 and v2.
import type { Controller } from "./controller.ts";
import { readCount, writeFile } from "./files.ts";

export const pids: Controller = {
  name: "pids",
  resource: "pids",
  wanted: (r) => r.pids !== undefined,
  apply: (r, dir, fs) => {
    if (!r.pids) return;
    writeFile(fs, dir, "pids.max", r.pids.limit > 0 ? String(r.pids.limit) : "max");
  },
  stats: (dir, fs, out) => {
    out.pids.current = readCount(fs, dir, "pids.current");
    out.pids.limit = readCount(fs, dir, "pids.max");
  },
};
