// `delete`: kill what is left (only with --force when it runs), remove the cgroup and the state, run poststop hooks.
import { rmSync } from "node:fs";
import { lockFile } from "../../ffi/lock.ts";
import { cgroupManager } from "../cgroups/host-manager.ts";
import { runHooksWarning } from "../process/hooks.ts";
import { hookSteps } from "../process/build-plan.ts";
import type { Config } from "../spec/config.ts";
import { recordChanges } from "./journal.ts";
import { disconnectNetwork } from "./network.ts";
import { isAlive } from "./proc.ts";
import { DamagedStateError, lockPath, NoSuchContainerError, readRecord, stateDir, type ContainerRecord } from "./record.ts";
import { removeDamaged } from "./remove-damaged.ts";
import { ociState, statusOf } from "./status.ts";
import { kill } from "../../ffi/process.ts";

export const deleteContainer = async (
  root: string,
  id: string,
  opts: { force: boolean; journal: string | null },
  onWarning: (msg: string) => void = () => {},
): Promise<void> => {
  const { force, journal } = opts;
  let rec: ContainerRecord;
  try {
    rec = readRecord(root, id);
  } catch (err) {
    // As runc and crun: a forced delete of what is not there is done (containerd's shim asks after every delete).
    if (force && err instanceof NoSuchContainerError) return;
    if (!(err instanceof DamagedStateError)) throw err;
    if (force) return removeDamaged(root, id, journal, err, onWarning);
    throw new Error(`Cannot delete container '${id}': its state is damaged (delete --force removes it)`, { cause: err });
  }
  const lock = lockFile(lockPath(root, id));
  try {
    const status = statusOf(root, rec);
    if ((status === "running" || status === "paused") && !force)
      throw new Error(`Cannot delete container '${id}': it is ${status} (stop it first or use --force)`);
    const cgroup = cgroupManager({ cgroupsPath: rec.cgroupsPath, id });
    // The init first: a created container's setup stage is not in its cgroup yet.
    if (isAlive(rec.pid, rec.startTime)) kill(rec.pid, 9);
    await cgroup.destroy();
    await waitGone(rec.pid, rec.startTime);
    disconnectNetwork(rec, onWarning);
    rmSync(stateDir(root, id), { recursive: true, force: true });
    recordChanges(journal, [
      { kind: "desired", id, running: false },
      { kind: "deleted", id },
    ]);
    runHooksWarning("poststop", hookSteps((rec.config as Config).hooks?.poststop), JSON.stringify(ociState(rec, "stopped")), onWarning);
  } finally {
    lock.release();
  }
};

/** Waits (bounded) until the process has exited; zombies of a foreground parent count as gone. */
const waitGone = async (pid: number, startTime: string): Promise<void> => {
  for (let i = 0; i < 200 && isAlive(pid, startTime); i++) await Bun.sleep(5);
};
