// cgroup v2 freezer: cgroup.freeze, with cgroup.events reporting when the whole subtree is frozen.
import type { CgroupFs } from "../fs.ts";
import { readKeyed, writeFile } from "../files.ts";
import { waitFor } from "../wait.ts";

const TIMEOUT_MS = 5_000;

export const isFrozenV2 = (fs: CgroupFs, dir: string): boolean => readKeyed(fs, dir, "cgroup.events").frozen === 1;

export const setFreezerV2 = async (fs: CgroupFs, dir: string, frozen: boolean): Promise<void> => {
  writeFile(fs, dir, "cgroup.freeze", frozen ? "1" : "0");
  await waitFor(() => isFrozenV2(fs, dir) === frozen, `'${dir}' to become ${frozen ? "frozen" : "thawed"}`, TIMEOUT_MS);
};
