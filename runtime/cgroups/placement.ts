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
