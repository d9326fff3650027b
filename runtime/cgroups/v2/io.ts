// cgroup v2 io: weights (io.bfq.weight takes blkio's range; io.weight needs the conversion) and io.max throttles;
// statistics from io.stat.
import type { LinuxThrottleDevice } from "../../spec/resources.ts";
import type { Controller } from "../controller.ts";
import { blkioToIoWeight } from "../convert.ts";
import type { CgroupFs } from "../fs.ts";
import { parseCount, readFile, writeFile } from "../files.ts";
import type { BlkioEntry } from "../stats.ts";

const setWeight = (fs: CgroupFs, dir: string, device: string, weight: number): void => {
  const prefix = device ? `${device} ` : "";
  if (fs.exists(`${dir}/io.bfq.weight`)) writeFile(fs, dir, "io.bfq.weight", `${prefix}${weight}`);
  else writeFile(fs, dir, "io.weight", `${prefix || "default "}${blkioToIoWeight(weight)}`);
};

const throttle = (fs: CgroupFs, dir: string, key: string, devices: LinuxThrottleDevice[] | undefined): void => {
  for (const d of devices ?? []) writeFile(fs, dir, "io.max", `${d.major}:${d.minor} ${key}=${d.rate}`);
};

const OPS = { rbytes: ["bytes", "Read"], wbytes: ["bytes", "Write"], rios: ["ios", "Read"], wios: ["ios", "Write"] } as const;

export const ioV2: Controller = {
  name: "io",
  resource: "blockIO",
  wanted: (r) => r.blockIO !== undefined,
  apply: (r, dir, fs) => {
    const b = r.blockIO;
    if (!b) return;
    if (b.weight) setWeight(fs, dir, "", b.weight);
    for (const d of b.weightDevice ?? []) if (d.weight) setWeight(fs, dir, `${d.major}:${d.minor}`, d.weight);
    throttle(fs, dir, "rbps", b.throttleReadBpsDevice);
    throttle(fs, dir, "wbps", b.throttleWriteBpsDevice);
    throttle(fs, dir, "riops", b.throttleReadIOPSDevice);
    throttle(fs, dir, "wiops", b.throttleWriteIOPSDevice);
  },
  stats: (dir, fs, out) => {
    const bytes: BlkioEntry[] = [];
    const ios: BlkioEntry[] = [];
    if (!fs.exists(`${dir}/io.stat`)) return;
    for (const line of readFile(fs, dir, "io.stat").split("\n")) {
      const [dev, ...pairs] = line.split(" ");
      const [major, minor] = (dev ?? "").split(":").map(Number);
      if (major === undefined || minor === undefined || Number.isNaN(minor)) continue;
      for (const pair of pairs) {
        const [k, v] = pair.split("=");
        const op = OPS[k as keyof typeof OPS];
        if (op) (op[0] === "bytes" ? bytes : ios).push({ major, minor, op: op[1], value: parseCount(v ?? "") });
      }
    }
    out.blkio.ioServiceBytesRecursive = bytes;
    out.blkio.ioServicedRecursive = ios;
  },
};
