// cgroup v1 hugetlb: hugetlb.<size>.limit_in_bytes per page size.
import type { Controller } from "../controller.ts";
import { readNumberOr0, writeFile } from "../files.ts";

export const hugetlbV1: Controller = {
  name: "hugetlb",
  resource: "hugepageLimits",
  wanted: (r) => !!r.hugepageLimits?.length,
  apply: (r, dir, fs) => {
    for (const h of r.hugepageLimits ?? []) writeFile(fs, dir, `hugetlb.${h.pageSize}.limit_in_bytes`, h.limit);
  },
  stats: (dir, fs, out) => {
    for (const f of fs.list(dir)) {
      const size = /^hugetlb\.(\w+)\.limit_in_bytes$/.exec(f)?.[1];
      if (!size) continue;
      out.hugetlb[size] = {
        usage: readNumberOr0(fs, dir, `hugetlb.${size}.usage_in_bytes`),
        max: readNumberOr0(fs, dir, `hugetlb.${size}.max_usage_in_bytes`),
        failcnt: readNumberOr0(fs, dir, `hugetlb.${size}.failcnt`),
      };
    }
  },
};
