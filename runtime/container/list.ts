// `list` and `ps`: what the state directory holds, and what runs in one container's cgroup.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { cgroupManager } from "../cgroups/host-manager.ts";
import { describeError } from "../errors.ts";
import { readRecord, statePath, type ContainerRecord } from "./record.ts";
import type { ContainerStatus } from "../spec/state.ts";
import { requireStatus, statusOf } from "./status.ts";

export interface Listed {
  record: ContainerRecord;
  status: ContainerStatus;
}

/** A container whose state cannot be read: listed with the reason, never left out (`delete --force` removes it). */
export interface Damaged {
  id: string;
  reason: string;
}

export const listContainers = (root: string): { containers: Listed[]; damaged: Damaged[] } => {
  const out = { containers: [] as Listed[], damaged: [] as Damaged[] };
  if (!existsSync(root)) return out;
  for (const id of readdirSync(root).filter((id) => existsSync(statePath(root, id))).sort()) {
    try {
      const record = readRecord(root, id);
      out.containers.push({ record, status: statusOf(root, record) });
    } catch (err) {
      // A container being deleted right now is not listed; any other failure is damage.
      if (existsSync(statePath(root, id))) out.damaged.push({ id, reason: describeError(err) });
    }
  }
  return out;
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
