// A container's cgroup, found from its state record, after checking that its status allows the action.
import { readRecord, type ContainerRecord } from "../container/record.ts";
import { requireStatus, type Status } from "../container/status.ts";
import { cgroupManager, type CgroupManager } from "./manager.ts";

export interface ContainerCgroup {
  record: ContainerRecord;
  status: Status;
  cgroup: CgroupManager;
}

export const containerCgroup = (root: string, id: string, allowed: readonly Status[], action: string): ContainerCgroup => {
  const record = readRecord(root, id);
  const status = requireStatus(root, record, allowed, action);
  return { record, status, cgroup: cgroupManager({ cgroupsPath: record.cgroupsPath, id }) };
};
