// hugetlb: one limit per page size. v1 names the files hugetlb.<size>.limit_in_bytes / usage_in_bytes /
// max_usage_in_bytes / failcnt; v2 hugetlb.<size>.max / current, with failures in .events and no peak.
import type { Controller } from "./controller.ts";
import type { CgroupFs } from "./fs.ts";
import { readKeyed, readNumberOr0, writeFile } from "./files.ts";

interface Files {
  limit: string;
  usage: string;
  peak(fs: CgroupFs, dir: string, size: string): number;
  failcnt(fs: CgroupFs, dir: string, size: string): number;
}

const hugetlb = (f: Files): Controller => ({
  name: "hugetlb",
  resource: "hugepageLimits",
  wanted: (r) => !!r.hugepageLimits?.length,
  apply: (r, dir, fs) => {
    for (const h of r.hugepageLimits ?? []) writeFile(fs, dir, `hugetlb.${h.pageSize}.${f.limit}`, h.limit);
  },
  stats: (dir, fs, out) => {
    const limitFile = new RegExp(`^hugetlb\\.(\\w+)\\.${f.limit}$`);
    for (const name of fs.list(dir)) {
      const size = limitFile.exec(name)?.[1];
      if (!size) continue;
      out.hugetlb[size] = {
        usage: readNumberOr0(fs, dir, `hugetlb.${size}.${f.usage}`),
        max: f.peak(fs, dir, size),
        failcnt: f.failcnt(fs, dir, size),
      };
    }
  },
});

export const hugetlbV1 = hugetlb({
  limit: "limit_in_bytes",
  usage: "usage_in_bytes",
  peak: (fs, dir, size) => readNumberOr0(fs, dir, `hugetlb.${size}.max_usage_in_bytes`),
  failcnt: (fs, dir, size) => readNumberOr0(fs, dir, `hugetlb.${size}.failcnt`),
});

export const hugetlbV2 = hugetlb({
  limit: "max",
  usage: "current",
  peak: () => 0,
  failcnt: (fs, dir, size) => readKeyed(fs, dir, `hugetlb.${size}.events`).max ?? 0,
});
