// Following the daemon's memory event log from another process (`bunker events`): woken by file change
// notifications, never by a timer; only events that arrive after it starts, and only for one container.
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readSync } from "node:fs";
import { basename, dirname } from "node:path";
import { watchPath, type Watch } from "../watch/watch.ts";
import type { MemoryEvent } from "./event-log.ts";

export const followMemoryEvents = (logPath: string, container: string, emit: (e: MemoryEvent) => void): Watch => {
  mkdirSync(dirname(logPath), { recursive: true, mode: 0o700 });
  let offset = existsSync(logPath) ? fstatOf(logPath) : 0;
  let partial = "";
  const drain = (): void => {
    if (!existsSync(logPath)) return;
    const fd = openSync(logPath, "r");
    try {
      const size = fstatSync(fd).size;
      // Rotated (the log keeps one older generation): start over at the new file's beginning.
      if (size < offset) offset = 0;
      if (size === offset) return;
      const buf = Buffer.alloc(size - offset);
      offset += readSync(fd, buf, 0, buf.length, offset);
      const lines = (partial + buf.toString("utf8")).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) {
        try {
          const e = JSON.parse(line) as MemoryEvent;
          if (e.container === container) emit(e);
        } catch {
          // A line the daemon was cut off writing: skipped.
        }
      }
    } finally {
      closeSync(fd);
    }
  };
  // The directory, not the file: the log is renamed away when it rotates.
  return watchPath(dirname(logPath), (_at, name) => {
    if (name === basename(logPath)) drain();
  });
};

const fstatOf = (path: string): number => {
  const fd = openSync(path, "r");
  try {
    return fstatSync(fd).size;
  } finally {
    closeSync(fd);
  }
};
