// `delete`: kill what is left (only with --force when it runs), remove the cgroup and the state, run poststop hooks.
import { rmSync } from "node:fs";
import { lockFile } from "../../ffi/lock.ts";
import { cgroupManager } from "../cgroups/host-manager.ts";
import { runHooks } from "../process/hooks.ts";
import { hookSteps } from "../process/build-plan.ts";
import type { Config } from "../spec/config.ts";
import { describeError } from "../errors.ts";
import { recordChanges } from "./journal.ts";
import { moveNetDevicesOut } from "./net-devices.ts";
import { isAlive } from "./proc.ts";
import { lockPath, readRecord, stateDir } from "./record.ts";
import { ociState, statusOf } from "./status.ts";
import { kill } from "../../ffi/process.ts";

export const deleteContainer = async (
  root: string,
  id: string,
  opts: { force: boolean; journal: string | null },
  onWarning: (msg: string) => void = () => {},
): Promise<void> => {
  const { force, journal } = opts;
  const rec = readRecord(root, id);
  const lock = lockFile(lockPath(root, id));
  try {
    const status = statusOf(root, rec);
    if ((status === "running" || status === "paused") && !force)
      throw new Error(`Cannot delete container '${id}': it is ${status} (stop it first or use --force)`);
    const cgroup = cgroupManager({ cgroupsPath: rec.cgroupsPath, id });
    // The init first: a created container's setup stage is not in its cgroup yet. Its network devices go back to the
    // host while its namespace still lives.
    if (isAlive(rec.pid, rec.startTime)) for (const e of moveNetDevicesOut(rec.pid, (rec.config as Config).linux?.netDevices ?? {})) onWarning(describeError(e));
    if (isAlive(rec.pid, rec.startTime)) kill(rec.pid, 9);
    await cgroup.destroy();
    await waitGone(rec.pid, rec.startTime);
    rmSync(stateDir(root, id), { recursive: true, force: true });
    recordChanges(journal, [
      { kind: "desired", id, running: false },
      { kind: "deleted", id },
    ]);
    try {
      runHooks("poststop", hookSteps((rec.config as Config).hooks?.poststop), JSON.stringify(ociState(rec, "stopped")));
    } catch (err) {
      onWarning((err as Error).message);
    }
  } finally {
    lock.release();
  }
};

/** Waits (bounded) until the process has exited; zombies of a foreground parent count as gone. */
const waitGone = async (pid: number, startTime: string): Promise<void> => {
  for (let i = 0; i < 200 && isAlive(pid, startTime); i++) await Bun.sleep(5);
};
