// One cgroup controller as the drivers see it, youki-style: apply resources to a directory, read statistics from it.
import type { LinuxResources } from "../spec/resources.ts";
import type { CgroupFs } from "./fs.ts";
import type { CgroupStats } from "./stats.ts";

export interface Controller {
  /** The kernel's name for it ("memory", "cpu", "io"...). */
  name: string;
  /** The part of linux.resources it serves ("blockIO" for both v1 blkio and v2 io); the hybrid driver routes each
   * part to one controller by it. Empty for controllers that only report statistics. */
  resource: string;
  /** Whether the resources ask anything of this controller (a missing controller is an error only then). */
  wanted(r: LinuxResources): boolean;
  apply(r: LinuxResources, dir: string, fs: CgroupFs): void;
  /** Fills in this controller's part of the statistics. */
  stats?(dir: string, fs: CgroupFs, out: CgroupStats): void;
}
