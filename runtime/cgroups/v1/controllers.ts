// The cgroup v1 controllers bunker drives, in the order they are applied. The freezer is not among them: it serves
// pause and resume, not linux.resources.
import type { Controller } from "../controller.ts";
import { cpuset } from "../cpuset.ts";
import { pids } from "../pids.ts";
import { rdma } from "../rdma.ts";
import { blkioV1 } from "./blkio.ts";
import { cpuV1 } from "./cpu.ts";
import { cpuacctV1 } from "./cpuacct.ts";
import { devicesV1 } from "./devices.ts";
import { hugetlbV1 } from "../hugetlb.ts";
import { memoryV1 } from "./memory.ts";
import { netClsV1, netPrioV1 } from "./net.ts";

export const V1_CONTROLLERS: readonly Controller[] = [
  memoryV1, cpuV1, cpuacctV1, cpuset, pids, blkioV1, hugetlbV1, netClsV1, netPrioV1, rdma, devicesV1,
];
