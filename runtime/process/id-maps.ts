// uid_map and gid_map of a process that has just made a user namespace; written by the parent, which is privileged.
import { writeFileSync } from "node:fs";
import type { LinuxIDMapping } from "../spec/config.ts";

const render = (maps: readonly LinuxIDMapping[]): string => maps.map((m) => `${m.containerID} ${m.hostID} ${m.size}\n`).join("");

export const writeIdMaps = (pid: number, uids: readonly LinuxIDMapping[], gids: readonly LinuxIDMapping[]): void => {
  for (const [file, maps] of [["uid_map", uids], ["gid_map", gids]] as const) {
    if (!maps.length) continue;
    try {
      writeFileSync(`/proc/${pid}/${file}`, render(maps));
    } catch (err) {
      throw new Error(`Writing ${file} of the user namespace failed`, { cause: err });
    }
  }
};
