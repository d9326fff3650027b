// A container's status is derived, never stored: from its process, its exec fifo and its cgroup's freezer.
import { existsSync } from "node:fs";
import { cgroupManager } from "../cgroups/host-manager.ts";
import { OCI_VERSION } from "../spec/config.ts";
import type { ContainerStatus } from "../spec/state.ts";
import { isAlive } from "./proc.ts";
import { fifoPath, type ContainerRecord } from "./record.ts";

export const statusOf = (root: string, rec: ContainerRecord): ContainerStatus => {
  if (rec.creating) return isAlive(rec.pid, rec.startTime) || rec.pid === 0 ? "creating" : "stopped";
  if (!isAlive(rec.pid, rec.startTime)) return "stopped";
  if (existsSync(fifoPath(root, rec.id))) return "created";
  return cgroupManager({ cgroupsPath: rec.cgroupsPath, id: rec.id }).frozen() ? "paused" : "running";
};

/** The OCI state JSON (runtime-spec "state"), plus runc's extra fields that engines read. */
export const ociState = (rec: ContainerRecord, status: string, pid = rec.pid) => ({
  ociVersion: OCI_VERSION,
  id: rec.id,
  status,
  pid: status === "stopped" ? 0 : pid,
  bundle: rec.bundle,
  rootfs: rec.rootfs,
  created: rec.created,
  owner: "",
  annotations: rec.annotations,
});

export const requireStatus = (root: string, rec: ContainerRecord, allowed: readonly ContainerStatus[], action: string): ContainerStatus => {
  const status = statusOf(root, rec);
  if (!allowed.includes(status))
    throw new Error(`Cannot ${action} container '${rec.id}': it is ${status} (needs ${allowed.join(" or ")})`);
  return status;
};
