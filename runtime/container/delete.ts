// `delete`: kill what is left (only with --force when it runs), remove the cgroup and the state, run poststop hooks.
import { rmSync } from "node:fs";
import { cgroupManager } from "../cgroups/host-manager.ts";
import { runHooksWarning } from "../process/hooks.ts";
import { hookSteps } from "../process/build-plan.ts";
import { signalProcess } from "../process/process-handle.ts";
import type { Config } from "../spec/config.ts";
import { recordChanges } from "./journal.ts";
import { lockContainer } from "./lock.ts";
import { isAlive } from "./proc.ts";
import { DamagedStateError, NoSuchContainerError, readRecord, stateDir } from "./record.ts";
import { removeDamaged } from "./remove-damaged.ts";
import { ociState, statusOf } from "./status.ts";

/** As runc and crun: a forced delete of what is not there (any more) is done (containerd's shim asks after every
 * delete); without --force it is an error. */
const gone = (err: unknown, force: boolean): void => {
  if (force && err instanceof NoSuchContainerError) return;
  throw err;
};

export const deleteContainer = async (
  root: string,
  id: string,
  opts: { force: boolean; journal: string | null },
  onWarning: (msg: string) => void = () => {},
): Promise<void> => {
  const { force, journal } = opts;
  // The container this delete is about: the one there now. Under the lock it must still be that one (its creation
  // time): a delete that won a race has removed it, and a create may have made another under the same ID since.
  let meant: string;
  try {
    meant = readRecord(root, id).created;
  } catch (err) {
    if (!(err instanceof DamagedStateError)) return gone(err, force);
    if (force) return removeDamaged(root, id, journal, err, onWarning);
    throw new Error(`Cannot delete container '${id}': its state is damaged (delete --force removes it)`, { cause: err });
  }
  let lock: ReturnType<typeof lockContainer>;
  try {
    lock = lockContainer(root, id);
  } catch (err) {
    return gone(err, force);
  }
  try {
    const rec = readRecord(root, id);
    if (rec.created !== meant) throw new NoSuchContainerError(id);
    const status = statusOf(root, rec);
    if ((status === "running" || status === "paused") && !force)
      throw new Error(`Cannot delete container '${id}': it is ${status} (stop it first or use --force)`);
    const cgroup = cgroupManager({ cgroupsPath: rec.cgroupsPath, id });
    // The init first: a setup stage that has not finished create is in no cgroup yet.
    signalProcess(rec.pid, () => isAlive(rec.pid, rec.startTime), 9);
    await cgroup.destroy();
    await waitGone(rec.pid, rec.startTime);
    rmSync(stateDir(root, id), { recursive: true, force: true });
    recordChanges(journal, [
      { kind: "desired", id, running: false },
      { kind: "deleted", id },
    ]);
    runHooksWarning("poststop", hookSteps((rec.config as Config).hooks?.poststop), JSON.stringify(ociState(rec, "stopped")), onWarning);
  } catch (err) {
    gone(err, force);
  } finally {
    lock.release();
  }
};

/** Waits (bounded) until the process has exited; zombies of a foreground parent count as gone. */
const waitGone = async (pid: number, startTime: string): Promise<void> => {
  for (let i = 0; i < 200 && isAlive(pid, startTime); i++) await Bun.sleep(5);
};
