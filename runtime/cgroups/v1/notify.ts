// cgroup v1 notifications: an eventfd registered through cgroup.event_control for memory.oom_control (the cgroup hit
// its limit, or is held there with the OOM killer disabled) or memory.pressure_level (low/medium/critical).
import { closeSync, openSync } from "node:fs";
import { EFD_CLOEXEC, EFD_NONBLOCK, eventfd } from "../../../ffi/eventfd.ts";
import { O } from "../../../ffi/constants.ts";
import { watchEventfd, type Watch } from "../../watch/watch.ts";
import type { CgroupFs } from "../fs.ts";

/**
 * `local`: only reclaim aimed at this cgroup itself. In the default mode a listener also hears every descendant's
 * reclaim at its own limit (kernel 4.13's pass-through modes), so a watch on the root would take one container filling
 * its limit for the whole system's pressure.
 */
export type V1Source = { file: "memory.oom_control" } | { file: "memory.pressure_level"; level: "low" | "medium" | "critical"; mode: "local" };

/** Calls `fired` with the wall-clock time each time the kernel signals; stops when `close` is called or the cgroup goes. */
export const watchV1 = (fs: CgroupFs, memoryDir: string, source: V1Source, fired: (at: number) => void): Watch => {
  const efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  let cfd: number | undefined;
  try {
    cfd = openSync(fs.real(`${memoryDir}/${source.file}`), O.RDONLY | O.CLOEXEC);
    const args = source.file === "memory.pressure_level" ? ` ${source.level},${source.mode}` : "";
    fs.write(`${memoryDir}/cgroup.event_control`, `${efd} ${cfd}${args}`);
  } catch (cause) {
    closeSync(efd);
    if (cfd !== undefined) closeSync(cfd);
    throw new Error(`Registering for '${source.file}' of cgroup '${memoryDir}'`, { cause });
  }
  const w = watchEventfd(efd, fired);
  let open = true;
  return {
    close() {
      if (!open) return;
      open = false;
      w.close();
      closeSync(cfd!);
    },
  };
};
