// The cgroup v2 controllers bunker drives, in the order they are applied.
import type { Controller } from "../controller.ts";
import { cpuset } from "../cpuset.ts";
import { pids } from "../pids.ts";
import { rdma } from "../rdma.ts";
import { cpuV2 } from "./cpu.ts";
import { devicesV2 } from "./devices.ts";
import { hugetlbV2 } from "../hugetlb.ts";
import { ioV2 } from "./io.ts";
import { memoryV2 } from "./memory.ts";
import { unifiedV2 } from "../unified.ts";

/** Controllers with a kernel controller of the same name, enabled through cgroup.subtree_control. */
export const V2_CONTROLLERS: readonly Controller[] = [memoryV2, cpuV2, cpuset, pids, ioV2, hugetlbV2, rdma];

/** Always placed in the container's v2 directory: the device filter needs no controller; `unified` goes last so
 * that its raw values win over the translated ones. */
export const V2_ALWAYS: readonly Controller[] = [devicesV2, unifiedV2];
