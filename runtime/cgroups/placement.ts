// Controllers placed in directories, and the steps every layout shares: apply, statistics, creating a cgroup path
// level by level, and removing a cgroup once it is empty.
import type { LinuxResources } from "../spec/resources.ts";
import type { Controller } from "./controller.ts";
import { codeOf, type CgroupFs } from "./fs.ts";
import { readPids, writeFile } from "./files.ts";
import type { CgroupStats, MemoryEntry } from "./stats.ts";
import { waitFor } from "./wait.ts";

export interface Placed {
  controller: Controller;
  dir: string;
}

/** Applies every wanted resource; a wanted controller that no hierarchy offers is an error naming it. */
export const applyPlaced = (placed: readonly Placed[], known: readonly Controller[], r: LinuxResources, fs: CgroupFs): void => {
  const have = new Set(placed.map((p) => p.controller.name));
  const missing = known.find((c) => !have.has(c.name) && c.wanted(r));
  if (missing) throw new Error(`Applying linux.resources.${missing.resource}: this host offers no '${missing.name}' cgroup controller`);
  for (const p of placed) if (p.controller.wanted(r)) p.controller.apply(r, p.dir, fs);
};

const entry = (): MemoryEntry => ({ limit: 0, usage: 0, max: 0, failcnt: 0 });

/** All zero: each controller's reader fills in what its hierarchy offers. */
const emptyStats = (): CgroupStats => ({
  cpu: { usage: { total: 0, percpu: [], kernel: 0, user: 0 }, throttling: { periods: 0, throttled_periods: 0, throttled_time: 0 } },
  memory: { cache: 0, usage: entry(), swap: entry(), kernel: entry(), kernelTCP: entry(), raw: {} },
  pids: { current: 0, limit: 0 },
  blkio: { ioServiceBytesRecursive: [], ioServicedRecursive: [] },
  hugetlb: {},
});

export const statsPlaced = (placed: readonly Placed[], fs: CgroupFs): CgroupStats => {
  const out = emptyStats();
  for (const p of placed) p.controller.stats?.(p.dir, fs, out);
  return out;
};

/** mkdir of each missing level of `path` under `mountpoint`; `created(dir, parent)` runs for each new level. */
export const createPath = (fs: CgroupFs, mountpoint: string, path: string, created?: (dir: string, parent: string) => void): void => {
  let dir = mountpoint;
  for (const part of path.split("/").filter(Boolean)) {
    const parent = dir;
    dir = `${dir}/${part}`;
    if (fs.exists(dir)) continue;
    try {
      fs.mkdir(dir);
    } catch (err) {
      throw new Error(`Creating cgroup '${dir}': ${codeOf(err) || String(err)}`, { cause: err });
    }
    created?.(dir, parent);
  }
};

export const addProcessTo = (fs: CgroupFs, dirs: readonly string[], pid: number): void => {
  for (const dir of dirs) writeFile(fs, dir, "cgroup.procs", pid);
};

export const pidsOf = (fs: CgroupFs, dirs: readonly string[]): number[] => [...new Set(dirs.flatMap((d) => readPids(fs, d)))].sort((a, b) => a - b);

const EMPTY_TIMEOUT_MS = 10_000;

/** Waits until no process is left in any of `dirs`, then removes them; a directory already gone is fine. */
export const removeWhenEmpty = async (fs: CgroupFs, dirs: readonly string[]): Promise<void> => {
  const present = dirs.filter((d) => fs.exists(d));
  await waitFor(() => pidsOf(fs, present).length === 0, `the cgroup '${present[0]}' to empty`, EMPTY_TIMEOUT_MS);
  for (const dir of present) {
    // v1 can report EBUSY for a moment after the last task is gone.
    await waitFor(() => tryRmdir(fs, dir), `the removal of cgroup '${dir}'`, EMPTY_TIMEOUT_MS);
  }
};

const tryRmdir = (fs: CgroupFs, dir: string): boolean => {
  try {
    fs.rmdir(dir);
    return true;
  } catch (err) {
    const code = codeOf(err);
    if (code === "ENOENT") return true;
    if (code === "EBUSY") return false;
    throw new Error(`Removing cgroup '${dir}': ${code || String(err)}`, { cause: err });
  }
};

/** Freezing and thawing one cgroup, as a driver or the memory core's actuator does it. */
export interface Freezer {
  freeze(): Promise<void> | void;
  thaw(): Promise<void> | void;
}

/**
 * SIGKILL to every process of a cgroup without a kill switch (v1, v2 before 5.14), frozen first so that nothing forks
 * between listing and killing (SIGKILL takes effect on thaw). A freeze that fails does not stop the kill: its error
 * comes back for the caller to report. Returns the processes signalled.
 */
export const freezeAndKill = async (fs: CgroupFs, pids: () => number[], freezer: Freezer | undefined): Promise<{ killed: number[]; freezeError?: Error }> => {
  let freezeError: Error | undefined;
  let frozen = false;
  if (freezer) {
    try {
      await freezer.freeze();
      frozen = true;
    } catch (err) {
      freezeError = err instanceof Error ? err : new Error(String(err));
    }
  }
  const killed = pids();
  killEach(fs, killed);
  if (frozen) await freezer!.thaw();
  return { killed, ...(freezeError ? { freezeError } : {}) };
};

/**
 * Removes the directories once empty (removeWhenEmpty). A freeze that failed before the kill is not lost: it goes to
 * `onWarning`, or beside the error when the removal fails (a process that forked unfrozen can keep a cgroup busy).
 */
export const removeAfterKill = async (fs: CgroupFs, dirs: readonly string[], freezeError: Error | undefined, onWarning?: (msg: string) => void): Promise<void> => {
  const why = freezeError && `Freezing the cgroup before killing its processes failed, so they were killed unfrozen: ${freezeError.message}`;
  try {
    await removeWhenEmpty(fs, dirs);
  } catch (err) {
    if (!why) throw err;
    throw new AggregateError([new Error(why, { cause: freezeError })], (err as Error).message, { cause: err });
  }
  if (why) onWarning?.(why);
};

/** SIGKILL to each process; one that exited meanwhile (ESRCH) is fine. */
export const killEach = (fs: CgroupFs, pids: readonly number[]): void => {
  for (const pid of pids) {
    try {
      fs.kill(pid, "SIGKILL");
    } catch (err) {
      if (codeOf(err) !== "ESRCH") throw new Error(`Killing process ${pid}: ${codeOf(err) || String(err)}`, { cause: err });
    }
  }
};
