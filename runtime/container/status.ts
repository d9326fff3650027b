// A container's status is derived, never stored: from its process, its start socket and its cgroup's freezer.
import { OCI_VERSION } from "../spec/config.ts";
import type { ContainerStatus } from "../spec/state.ts";
import { hostEnv, type ContainerEnv } from "./env.ts";
import type { ContainerRecord } from "./record.ts";

type StatusEnv = Pick<ContainerEnv, "state" | "processes" | "cgroups">;

export const statusOf = (root: string, rec: ContainerRecord, env: StatusEnv = hostEnv): ContainerStatus => {
  const alive = env.processes.isAlive(rec.pid, rec.startTime);
  if (rec.creating) return alive || rec.pid === 0 ? "creating" : "stopped";
  if (!alive) return "stopped";
  if (env.state.awaitsStart(root, rec.id)) return "created";
  return env.cgroups.manager({ cgroupsPath: rec.cgroupsPath, id: rec.id }).frozen() ? "paused" : "running";
};

/** Where `state` shows why a container stopped before its program ran. */
export const FAILURE_ANNOTATION = "bunker.failure";

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
  annotations: rec.failure === undefined ? rec.annotations : { ...rec.annotations, [FAILURE_ANNOTATION]: rec.failure },
});

export const requireStatus = (
  root: string,
  rec: ContainerRecord,
  allowed: readonly ContainerStatus[],
  action: string,
  env: StatusEnv = hostEnv,
): ContainerStatus => {
  const status = statusOf(root, rec, env);
  if (!allowed.includes(status))
    throw new Error(`Cannot ${action} container '${rec.id}': it is ${status} (needs ${allowed.join(" or ")})`);
  return status;
};
