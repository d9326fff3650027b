// cgroup v1 notifications: an eventfd registered through cgroup.event_control for memory.oom_control (the cgroup hit
// its limit, or is held there with the OOM killer disabled) or memory.pressure_level (low/medium/critical).
// The eventfd is read as a stream, which Bun drives from its event loop: no thread, no polling.
import { closeSync, openSync } from "node:fs";
import { EFD_CLOEXEC, EFD_NONBLOCK, eventfd } from "../../../ffi/eventfd.ts";
import { O } from "../../../ffi/constants.ts";
import type { CgroupFs } from "../fs.ts";

export type V1Source = { file: "memory.oom_control" } | { file: "memory.pressure_level"; level: "low" | "medium" | "critical" };

export interface V1Watch {
  close(): void;
}

/** Calls `fired` with the wall-clock time each time the kernel signals; stops when `close` is called or the cgroup goes. */
export const watchV1 = (fs: CgroupFs, memoryDir: string, source: V1Source, fired: (at: number) => void): V1Watch => {
  const efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  let cfd: number | undefined;
  try {
    cfd = openSync(fs.real(`${memoryDir}/${source.file}`), O.RDONLY | O.CLOEXEC);
    const args = source.file === "memory.pressure_level" ? ` ${source.level}` : "";
    fs.write(`${memoryDir}/cgroup.event_control`, `${efd} ${cfd}${args}`);
  } catch (cause) {
    closeSync(efd);
    if (cfd !== undefined) closeSync(cfd);
    throw new Error(`Registering for '${source.file}' of cgroup '${memoryDir}'`, { cause });
  }
  const reader = Bun.file(efd).stream().getReader();
  let open = true;
  void (async () => {
    // Each read returns the 8-byte counter (how many signals since the last read): one call is enough.
    while (open) {
      const { done } = await reader.read().catch(() => ({ done: true }));
      if (done) break;
      if (open) fired(Date.now());
    }
  })();
  return {
    close() {
      if (!open) return;
      open = false;
      void reader.cancel().catch(() => {});
      closeSync(cfd!);
      try {
        closeSync(efd);
      } catch {
        // The stream may have closed it already when cancelled.
      }
    },
  };
};
