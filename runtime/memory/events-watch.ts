// cgroup v2 memory.events: the kernel marks the file modified when a counter moves (high, max, oom, oom_kill), which
// inotify (fs.watch) delivers to Bun's event loop without polling.
import { watch, type FSWatcher } from "node:fs";
import type { CgroupFs } from "../cgroups/fs.ts";
import { parseMemoryEvents } from "./cgroup-memory.ts";
import type { MemoryEvents } from "./observation.ts";

export interface EventsChange {
  at: number;
  events: MemoryEvents;
  /** Counters that grew since the last report. */
  grew: (keyof MemoryEvents)[];
}

/** Reports each change of `<dir>/memory.events`; a change that moves no counter is not reported. */
export const watchMemoryEvents = (fs: CgroupFs, dir: string, changed: (c: EventsChange) => void): { close(): void } => {
  const path = `${dir}/memory.events`;
  let last = parseMemoryEvents(fs.read(path));
  let w: FSWatcher | undefined = watch(fs.real(path), () => {
    const at = Date.now();
    let now: MemoryEvents;
    try {
      now = parseMemoryEvents(fs.read(path));
    } catch {
      // The cgroup is gone; its container's exit is reported elsewhere.
      w?.close();
      w = undefined;
      return;
    }
    const grew = (Object.keys(now) as (keyof MemoryEvents)[]).filter((k) => now[k] > last[k]);
    last = now;
    if (grew.length) changed({ at, events: now, grew });
  });
  return {
    close() {
      w?.close();
      w = undefined;
    },
  };
};
