// Kernel notifications that Bun's event loop waits for by itself, with no thread and no timer: inotify on a path
// (fs.watch: cgroupfs marks memory.events and cgroup.events modified when a counter moves; a log file is appended to)
// and the counter of an eventfd (cgroup v1's cgroup.event_control). POLLPRI (PSI triggers) and pidfds need a thread
// blocked in epoll_wait: epoll.ts.
import { closeSync, watch } from "node:fs";

export interface Watch {
  /** Stops watching; a second call does nothing. */
  close(): void;
}

/**
 * Calls `changed` with the wall-clock time on each change inotify reports for `path`, and the name of the entry that
 * changed (a directory's child, or the file itself).
 */
export const watchPath = (path: string, changed: (at: number, name: string | null) => void): Watch => {
  let w: ReturnType<typeof watch> | undefined = watch(path, (_event, name) => changed(Date.now(), name));
  return {
    close() {
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
