// cgroup v1 freezer: freezer.state goes FREEZING -> FROZEN; the write is repeated while waiting, because a task
// that was forking can leave the cgroup stuck in FREEZING (runc does the same).
import type { CgroupFs } from "../fs.ts";
import { readFile, writeFile } from "../files.ts";
import { waitFor } from "../wait.ts";

const TIMEOUT_MS = 5_000;

export const freezerState = (fs: CgroupFs, dir: string): string => readFile(fs, dir, "freezer.state");

export const setFreezerV1 = async (fs: CgroupFs, dir: string, state: "FROZEN" | "THAWED"): Promise<void> => {
  writeFile(fs, dir, "freezer.state", state);
  await waitFor(
    () => {
      if (freezerState(fs, dir) === state) return true;
      writeFile(fs, dir, "freezer.state", state);
      return false;
    },
    `'${dir}' to become ${state}`,
    TIMEOUT_MS,
  );
};
