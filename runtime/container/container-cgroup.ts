// A container's cgroup, found from its state record, after checking that its status allows the action.
import { readRecord, type ContainerRecord } from "./record.ts";
import type { ContainerStatus } from "../spec/state.ts";
import { requireStatus } from "./status.ts";
import { cgroupManager } from "../cgroups/host-manager.ts";
import type { CgroupManager } from "../cgroups/manager.ts";

export interface ContainerCgroup {
  record: ContainerRecord;
  status: ContainerStatus;
  cgroup: CgroupManager;
}

export const containerCgroup = (root: string, id: string, allowed: readonly ContainerStatus[], action: string): ContainerCgroup => {
  const record = readRecord(root, id);
  const status = requireStatus(root, record, allowed, action);
  return { record, status, cgroup: cgroupManager({ cgroupsPath: record.cgroupsPath, id }) };
};
