// `delete`: kill what is left (only with --force when it runs), remove the cgroup, the network and the state, run poststop
// hooks.
import { hookSteps } from "../process/build-plan.ts";
import type { Config } from "../spec/config.ts";
import { hostEnv, type ContainerEnv } from "./env.ts";
import { DamagedStateError, NoSuchContainerError } from "./record.ts";
import { removeDamaged } from "./remove-damaged.ts";
import { ociState, statusOf } from "./status.ts";
import { describeError, warnOnStderr } from "../errors.ts";
import { debug } from "../debug.ts";

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
  onWarning: (msg: string) => void = warnOnStderr,
  env: ContainerEnv = hostEnv,
): Promise<void> => {
  const { force, journal } = opts;
  // The container this delete is about: the one there now. Under the lock it must still be that one (its creation
  // time): a delete that won a race has removed it, and a create may have made another under the same ID since.
  let meant: string;
  try {
    meant = env.state.read(root, id).created;
  } catch (err) {
    if (!(err instanceof DamagedStateError)) return gone(err, force);
    if (force) return removeDamaged(root, id, journal, err, onWarning, env);
    throw new Error(`Cannot delete container '${id}': its state is damaged (delete --force removes it)`, { cause: err });
  }
  let lock: ReturnType<ContainerEnv["state"]["lock"]>;
  try {
    lock = env.state.lock(root, id);
  } catch (err) {
    return gone(err, force);
  }
  try {
    const rec = env.state.read(root, id);
    if (rec.created !== meant) throw new NoSuchContainerError(id);
    const status = statusOf(root, rec, env);
    if ((status === "running" || status === "paused") && !force)
      throw new Error(`Cannot delete container '${id}': it is ${status} (stop it first or use --force)`);
    const cgroup = env.cgroups.manager({ cgroupsPath: rec.cgroupsPath, id });
    // The init first, through its pidfd: a setup stage that has not finished create is in no cgroup yet. Its network
    // devices go back to the host while its namespace still lives.
    const init = env.processes.open(rec.pid, () => env.processes.isAlive(rec.pid, rec.startTime));
    try {
      const netDevices = (rec.config as Config).linux?.netDevices;
      if (init && netDevices && Object.keys(netDevices).length)
        for (const e of env.network.moveDevicesOut(rec.pid, netDevices)) onWarning(describeError(e));
      init?.signal(9);
    } finally {
      init?.close();
    }
    debug("delete: killed");
    // A freeze that failed before the kill is a warning, not a lost error.
    await cgroup.destroy(onWarning);
    debug("delete: cgroup removed");
    // Bounded; a zombie of a foreground parent counts as gone.
    for (let i = 0; i < 200 && env.processes.isAlive(rec.pid, rec.startTime); i++) await env.clock.sleep(5);
    // Once no process of the container is left: the namespace pin is the last holder of its network namespace.
    env.network.disconnect(rec, onWarning);
    env.state.removeDir(root, id);
    env.journal.record(journal, [
      { kind: "desired", id, running: false },
      { kind: "deleted", id },
    ]);
    env.hooks.runWarning("poststop", hookSteps((rec.config as Config).hooks?.poststop), JSON.stringify(ociState(rec, "stopped")), onWarning);
  } catch (err) {
    gone(err, force);
  } finally {
    lock.release();
  }
};
