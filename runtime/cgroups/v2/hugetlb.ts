// cgroup v2 hugetlb: hugetlb.<size>.max per page size; usage from .current, failures from .events.
import type { Controller } from "../controller.ts";
import { readKeyed, readNumberOr0, writeFile } from "../files.ts";

export const hugetlbV2: Controller = {
  name: "hugetlb",
  resource: "hugepageLimits",
  wanted: (r) => !!r.hugepageLimits?.length,
  apply: (r, dir, fs) => {
    for (const h of r.hugepageLimits ?? []) writeFile(fs, dir, `hugetlb.${h.pageSize}.max`, h.limit);
  },
  stats: (dir, fs, out) => {
    for (const f of fs.list(dir)) {
      const size = /^hugetlb\.(\w+)\.max$/.exec(f)?.[1];
      if (!size) continue;
      out.hugetlb[size] = {
        usage: readNumberOr0(fs, dir, `hugetlb.${size}.current`),
        max: readNumberOr0(fs, dir, `hugetlb.${size}.max`),
        failcnt: readKeyed(fs, dir, `hugetlb.${size}.events`).max ?? 0,
      };
    }
  },
};
