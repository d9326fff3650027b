// `list` and `ps`: what the state directory holds, and what runs in one container's cgroup.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { cgroupManager } from "../cgroups/host-manager.ts";
import { readRecord, statePath, type ContainerRecord } from "./record.ts";
import type { ContainerStatus } from "../spec/state.ts";
import { requireStatus, statusOf } from "./status.ts";

export interface Listed {
  record: ContainerRecord;
  status: ContainerStatus;
}

export const listContainers = (root: string): Listed[] => {
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((id) => existsSync(statePath(root, id)))
    .sort()
    .flatMap((id) => {
      try {
        const record = readRecord(root, id);
        return [{ record, status: statusOf(root, record) }];
      } catch {
        // A container being deleted right now: not listed.
        return [];
      }
    });
};

export const containerProcesses = (root: string, id: string): { pid: number; command: string }[] => {
  const rec = readRecord(root, id);
  requireStatus(root, rec, ["created", "running", "paused", "stopped"], "list processes of");
  return cgroupManager({ cgroupsPath: rec.cgroupsPath, id })
    .pids()
    .map((pid) => {
      let command = "";
      try {
        command = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean).join(" ");
      } catch {
        // exited meanwhile
      }
      return { pid, command };
    });
};
