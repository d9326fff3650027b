// Kernel notifications that Bun's event loop waits for by itself, with no thread and no timer: inotify on a path
// (fs.watch: cgroupfs marks memory.events and cgroup.events modified when a counter moves; a log file is appended to)
// and the counter of an eventfd (cgroup v1's cgroup.event_control). POLLPRI (PSI triggers) and pidfds need a thread
// blocked in epoll_wait: epoll.ts.
import { closeSync, watch } from "node:fs";

export interface Watch {
  /** Stops watching; a second call does nothing. */
  close(): void;
}

// Bun 1.4.5 drops a change that lands right after the previous event's delivery (measured on a watched file at light
// load: 14 of 20 lost when made at once, none 2 ms later; oven-sh/bun#7919). So each burst of events gets one trailing
// call per name, TRAIL_MS later, which sees what such a change did; users re-read what changed, so an extra call is
// harmless. The window grows with load; the trailing call covers what follows a delivery by less than TRAIL_MS.
const TRAIL_MS = 20;

/**
 * Calls `changed` with the wall-clock time on each change inotify reports for `path`, and the name of the entry that
 * changed (a directory's child, or the file itself).
 */
export const watchPath = (path: string, changed: (at: number, name: string | null) => void): Watch => {
  let trail: ReturnType<typeof setTimeout> | undefined;
  const names = new Set<string | null>();
  let w: ReturnType<typeof watch> | undefined = watch(path, (_event, name) => {
    changed(Date.now(), name);
    names.add(name);
    trail ??= setTimeout(() => {
      trail = undefined;
      const burst = [...names];
      names.clear();
      for (const n of burst) if (w) changed(Date.now(), n);
    }, TRAIL_MS);
  });
  return {
    close() {
      clearTimeout(trail);
      w?.close();
      w = undefined;
    },
  };
};

/** Calls `fired` with the wall-clock time each time the eventfd is signalled. The watch owns `efd`. */
export const watchEventfd = (efd: number, fired: (at: number) => void): Watch => {
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
      try {
        closeSync(efd);
      } catch {
        // The stream may have closed it already when cancelled.
      }
    },
  };
};
