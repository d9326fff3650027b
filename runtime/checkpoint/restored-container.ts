// A container that bunker owns but did not start: its processes come back from a CRIU restore. Before the restore it
// gets what `create` would give it (a state directory and record, its cgroup with the config's resources, its limits
// view); once CRIU has put the tree back, the record takes the restored init's PID and start time, so `state`, `kill`,
// `exec` and `delete` treat it like any other container. A failed restore takes all of it down again.
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { cgroupManager } from "../cgroups/host-manager.ts";
import type { CgroupManager } from "../cgroups/manager.ts";
import { renderLimitsView } from "../container/limits-view.ts";
import { procStat } from "../container/proc.ts";
import { lockContainer, type ContainerLock } from "../container/lock.ts";
import { checkId, limitsViewDir, stateDir, writeRecord, type ContainerRecord } from "../container/record.ts";
import { unwind } from "../container/unwind.ts";
import { parseMountTable } from "../rootfs/mount-table.ts";
import { seccompStep } from "../process/seccomp-plan.ts";
import type { Config } from "../spec/config.ts";

export interface RestoredContainer {
  record: ContainerRecord;
  cgroup: CgroupManager;
  /** Where its limits view lives (the source of two of its external mounts). */
  limitsDir: string;
  /** Where the restore binds the rootfs for CRIU (a directory in the state directory). */
  rootMount: string;
  /** Takes over the restored tree whose init is host PID `pid`; the container is then running. */
  adopt(pid: number): Promise<ContainerRecord>;
  /** Kills whatever was restored, removes the cgroup and the state, and throws `err` with any cleanup error beside it. */
  abandon(err: unknown): Promise<never>;
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
  let lock: ContainerLock | undefined;
  const cgroup = cgroupManager({ cgroupsPath: o.config.linux?.cgroupsPath, id: o.id });
  const record: ContainerRecord = {
    id: o.id, pid: 0, startTime: "", bundle: o.bundle, rootfs: o.config.root.path, created: new Date().toISOString(), creating: true,
    cgroupsPath: cgroup.path, annotations: o.config.annotations ?? {}, config: o.config,
    // CRIU restores the filter of the restored processes; a later exec gets it from here.
    ...(o.config.linux?.seccomp ? { seccomp: seccompStep(o.config.linux.seccomp) } : {}),
  };
  const limitsDir = limitsViewDir(o.root, o.id);
  const rootMount = join(dir, "criu-root");
  // The state directory goes only with nothing mounted in it: a recursive removal would go on into the rootfs.
  const removeDir = (): void => {
    if (parseMountTable(readFileSync("/proc/self/mountinfo", "utf8")).some((m) => m.mountpoint === rootMount))
      throw new Error(`Remove '${dir}': '${rootMount}' is still mounted; left in place`);
    rmSync(dir, { recursive: true, force: true });
  };
  // Undone newest first: the cgroup (and whatever CRIU put in it), the state directory, the lock.
  const abandon = (err: unknown): Promise<never> => unwind(err, [() => lock?.release(), removeDir, () => cgroup.destroy()]);
  try {
    lock = lockContainer(o.root, o.id);
    writeRecord(o.root, record);
    cgroup.create();
    cgroup.apply(o.config.linux?.resources ?? {});
    renderLimitsView(limitsDir, o.config.linux?.resources);
  } catch (err) {
    return abandon(err);
  }
  return {
    record,
    cgroup,
    limitsDir,
    rootMount,
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
