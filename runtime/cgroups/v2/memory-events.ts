// cgroup v2 memory.events: its counters, and a watch on the file, which the kernel marks modified when a counter
// moves (high, max, oom, oom_kill).
import { parseKeyed } from "../files.ts";
import { watchPath, type Watch } from "../../watch/watch.ts";
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
export const watchMemoryEvents = (fs: CgroupFs, dir: string, changed: (c: EventsChange) => void): Watch => {
  const path = `${dir}/memory.events`;
  let last = parseMemoryEvents(fs.read(path));
  const w = watchPath(fs.real(path), (at) => {
    let now: MemoryEvents;
    try {
      now = parseMemoryEvents(fs.read(path));
    } catch {
      // The cgroup is gone; its container's exit is reported elsewhere.
      w.close();
      return;
    }
    const grew = (Object.keys(now) as (keyof MemoryEvents)[]).filter((k) => now[k] > last[k]);
    last = now;
    if (grew.length) changed({ at, events: now, grew });
  });
  return w;
};
