// cgroup v2 memory.events: the kernel marks the file modified when a counter moves (high, max, oom, oom_kill), which
// inotify (fs.watch) delivers to Bun's event loop without polling.
import { watch, type FSWatcher } from "node:fs";
import { parseKeyed } from "../files.ts";
import type { CgroupFs } from "../fs.ts";

/** Counters of memory.events (v2) or their v1 equivalents (failcnt as max, under_oom, oom_kill of memory.oom_control). */
export interface MemoryEvents {
  low: number;
  high: number;
  max: number;
  oom: number;
  oomKill: number;
}

/** memory.events of cgroup v2. */
export const parseMemoryEvents = (text: string): MemoryEvents => {
  const ev = parseKeyed(text);
  return { low: ev.low ?? 0, high: ev.high ?? 0, max: ev.max ?? 0, oom: ev.oom ?? 0, oomKill: ev.oom_kill ?? 0 };
};

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
