// A container that bunker owns but did not start: its processes come back from a CRIU restore. Before the restore it
// gets what `create` would give it (a state directory and record, its cgroup with the config's resources, its limits
// view); once CRIU has put the tree back, the record takes the restored init's PID and start time, so `state`, `kill`,
// `exec` and `delete` treat it like any other container. A failed restore takes all of it down again.
import { mkdirSync, rmSync } from "node:fs";
import { lockFile } from "../../ffi/lock.ts";
import { cgroupManager } from "../cgroups/host-manager.ts";
import type { CgroupManager } from "../cgroups/manager.ts";
import { renderLimitsView } from "../container/limits-view.ts";
import { procStat } from "../container/proc.ts";
import { checkId, limitsViewDir, lockPath, stateDir, writeRecord, type ContainerRecord } from "../container/record.ts";
import type { Config } from "../spec/config.ts";
import { besideCleanup } from "./beside-cleanup.ts";

export interface RestoredContainer {
  record: ContainerRecord;
  cgroup: CgroupManager;
  /** Where its limits view lives (the source of two of its external mounts). */
  limitsDir: string;
  stateDir: string;
  /** Takes over the restored tree whose init is host PID `pid`; the container is then running. */
  adopt(pid: number): Promise<ContainerRecord>;
  /** Kills whatever was restored and removes the cgroup and the state; throws what the cleanup could not do. */
  abandon(): Promise<void>;
}

export const prepareRestoredContainer = async (o: { root: string; id: string; bundle: string; config: Config }): Promise<RestoredContainer> => {
  checkId(o.id);
  mkdirSync(o.root, { recursive: true, mode: 0o711 });
  const dir = stateDir(o.root, o.id);
  try {
    mkdirSync(dir, { mode: 0o711 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") throw new Error(`Container '${o.id}' already exists`);
    throw err;
  }
  let lock: { release(): void } | undefined;
  const cgroup = cgroupManager({ cgroupsPath: o.config.linux?.cgroupsPath, id: o.id });
  const record: ContainerRecord = {
    id: o.id, pid: 0, startTime: "", bundle: o.bundle, rootfs: o.config.root.path, created: new Date().toISOString(), creating: true,
    cgroupsPath: cgroup.path, annotations: o.config.annotations ?? {}, config: o.config,
  };
  const limitsDir = limitsViewDir(o.root, o.id);
  const abandon = async (): Promise<void> => {
    const errors: unknown[] = [];
    for (const step of [() => cgroup.destroy(), () => rmSync(dir, { recursive: true, force: true }), () => lock?.release()]) {
      try {
        await step();
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length) throw new AggregateError(errors, `Remove the half-restored container '${o.id}'`);
  };
  try {
    lock = lockFile(lockPath(o.root, o.id));
    writeRecord(o.root, record);
    cgroup.create();
    cgroup.apply(o.config.linux?.resources ?? {});
    renderLimitsView(limitsDir, o.config.linux?.resources);
  } catch (err) {
    // Rethrows `err`, with any cleanup error beside it.
    await besideCleanup(() => Promise.reject(err), abandon);
    throw err;
  }
  return {
    record,
    cgroup,
    limitsDir,
    stateDir: dir,
    async adopt(pid) {
      const stat = procStat(pid);
      if (!stat) throw new Error(`Restore '${o.id}': the restored init (pid ${pid}) is already gone`);
      Object.assign(record, { pid, startTime: stat.startTime, creating: false });
      writeRecord(o.root, record);
      // The dump was taken in a freeze, which CRIU restores: a restored container runs.
      if (cgroup.frozen()) await cgroup.thaw();
      lock?.release();
      return record;
    },
    abandon,
  };
};
