// cgroup v1 net_cls (class id for tc) and net_prio (priority per interface); cgroup v2 has neither.
import type { Controller } from "../controller.ts";
import { writeFile } from "../files.ts";

export const netClsV1: Controller = {
  name: "net_cls",
  resource: "network.classID",
  wanted: (r) => r.network?.classID !== undefined,
  apply: (r, dir, fs) => {
    if (r.network?.classID !== undefined) writeFile(fs, dir, "net_cls.classid", r.network.classID);
  },
};

export const netPrioV1: Controller = {
  name: "net_prio",
  resource: "network.priorities",
  wanted: (r) => !!r.network?.priorities?.length,
  apply: (r, dir, fs) => {
    for (const p of r.network?.priorities ?? []) writeFile(fs, dir, "net_prio.ifpriomap", `${p.name} ${p.priority}`);
  },
};
