// linux.resources.unified: cgroup v2 files written as given, after checking that each key names a file of an
// enabled controller (or a core cgroup.* file) and nothing outside the container's directory.
import type { Controller } from "./controller.ts";
import { codeOf } from "./fs.ts";
import { readFile, writeFile } from "./files.ts";

const KEY = /^([a-z_]+)\.[a-z0-9_.]+$/;

export const unifiedV2: Controller = {
  name: "unified",
  resource: "unified",
  wanted: (r) => Object.keys(r.unified ?? {}).length > 0,
  apply: (r, dir, fs) => {
    const entries = Object.entries(r.unified ?? {});
    if (!entries.length) return;
    const enabled = new Set(readFile(fs, dir, "cgroup.controllers").split(/\s+/));
    for (const [key, value] of entries) {
      const controller = KEY.exec(key)?.[1];
      if (!controller) throw new Error(`Applying linux.resources.unified key '${key}': not a cgroup v2 file name`);
      if (controller !== "cgroup" && !enabled.has(controller)) {
        throw new Error(`Applying linux.resources.unified key '${key}': the '${controller}' controller is not enabled in '${dir}'`);
      }
      try {
        writeFile(fs, dir, key, value);
      } catch (err) {
        if (codeOf((err as Error).cause) !== "ENOENT") throw err;
        throw new Error(`Applying linux.resources.unified key '${key}': no such file in '${dir}'`, { cause: err });
      }
    }
  },
};
