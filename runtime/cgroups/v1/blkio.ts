// cgroup v1 blkio: weights (BFQ's files where the kernel has them, else CFQ's) and per-device throttles;
// statistics from the throttle counters, which every kernel with blkio has.
import type { LinuxThrottleDevice } from "../../spec/resources.ts";
import type { Controller } from "../controller.ts";
import type { CgroupFs } from "../fs.ts";
import { parseCount, readFile, writeFile } from "../files.ts";
import type { BlkioEntry } from "../stats.ts";

/** blkio.bfq.<name> when present, else blkio.<name>; refuses when neither exists (no proportional scheduler). */
const weightFile = (fs: CgroupFs, dir: string, name: string): string => {
  for (const f of [`blkio.bfq.${name}`, `blkio.${name}`]) if (fs.exists(`${dir}/${f}`)) return f;
  throw new Error(`Setting blkio.${name} in '${dir}': not supported by this kernel's I/O scheduler (no BFQ or CFQ weight file)`);
};

const throttle = (fs: CgroupFs, dir: string, file: string, devices: LinuxThrottleDevice[] | undefined): void => {
  for (const d of devices ?? []) writeFile(fs, dir, `blkio.throttle.${file}`, `${d.major}:${d.minor} ${d.rate}`);
};

const entries = (fs: CgroupFs, dir: string, file: string): BlkioEntry[] => {
  if (!fs.exists(`${dir}/${file}`)) return [];
  return readFile(fs, dir, file)
    .split("\n")
    .flatMap((line) => {
      const m = /^(\d+):(\d+) (\S+) (\d+)$/.exec(line);
      return m ? [{ major: Number(m[1]), minor: Number(m[2]), op: m[3]!, value: parseCount(m[4]!) }] : [];
    });
};

export const blkioV1: Controller = {
  name: "blkio",
  resource: "blockIO",
  wanted: (r) => r.blockIO !== undefined,
  apply: (r, dir, fs) => {
    const b = r.blockIO;
    if (!b) return;
    if (b.weight) writeFile(fs, dir, weightFile(fs, dir, "weight"), b.weight);
    if (b.leafWeight) writeFile(fs, dir, weightFile(fs, dir, "leaf_weight"), b.leafWeight);
    for (const d of b.weightDevice ?? []) {
      if (d.weight) writeFile(fs, dir, weightFile(fs, dir, "weight_device"), `${d.major}:${d.minor} ${d.weight}`);
      if (d.leafWeight) writeFile(fs, dir, weightFile(fs, dir, "leaf_weight_device"), `${d.major}:${d.minor} ${d.leafWeight}`);
    }
    throttle(fs, dir, "read_bps_device", b.throttleReadBpsDevice);
    throttle(fs, dir, "write_bps_device", b.throttleWriteBpsDevice);
    throttle(fs, dir, "read_iops_device", b.throttleReadIOPSDevice);
    throttle(fs, dir, "write_iops_device", b.throttleWriteIOPSDevice);
  },
  stats: (dir, fs, out) => {
    out.blkio.ioServiceBytesRecursive = entries(fs, dir, "blkio.throttle.io_service_bytes_recursive");
    out.blkio.ioServicedRecursive = entries(fs, dir, "blkio.throttle.io_serviced_recursive");
  },
};
