// OOM notification without polling. v1: an eventfd registered through cgroup.event_control on memory.oom_control;
// v2: inotify (fs.watch) on memory.events, which the kernel marks modified on every event. Either way the callback
// runs only when the oom_kill count rose (both notifications also fire for other reasons: v1 when the cgroup is
// removed or merely under OOM, v2 on any memory event).
import { closeSync, openSync, watch } from "node:fs";
import { EFD_CLOEXEC, EFD_NONBLOCK, eventfd } from "../../ffi/eventfd.ts";
import type { CgroupFs } from "./fs.ts";
import { writeFile } from "./files.ts";

export interface OomWatch {
  close(): void;
}

/** Calls `onOom` once per rise of `count()` observed after a wake-up from `wait`. */
const onRise = (count: () => number, onOom: () => void): (() => void) => {
  let last = count();
  return () => {
    let now: number;
    try {
      now = count();
    } catch {
      return; // the cgroup is gone
    }
    if (now > last) onOom();
    last = now;
  };
};

export const watchOomV1 = (fs: CgroupFs, dir: string, count: () => number, onOom: () => void): OomWatch => {
  const efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  const ofd = openSync(fs.real(`${dir}/memory.oom_control`), "r");
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    closeSync(ofd);
    void reader.cancel().catch(() => {});
  };
  try {
    writeFile(fs, dir, "cgroup.event_control", `${efd} ${ofd}`);
  } catch (err) {
    closeSync(ofd);
    closeSync(efd);
    throw err;
  }
  const check = onRise(count, onOom);
  // Bun reads a non-blocking eventfd from its event loop: no thread, no timer.
  const reader = Bun.file(efd).stream().getReader();
  void (async () => {
    while (!closed) {
      const { done } = await reader.read().catch(() => ({ done: true }));
      if (done) break;
      if (!fs.exists(dir)) break;
      check();
    }
    close();
  })();
  return { close };
};

export const watchOomV2 = (fs: CgroupFs, dir: string, count: () => number, onOom: () => void): OomWatch => {
  const watcher = watch(fs.real(`${dir}/memory.events`), onRise(count, onOom));
  watcher.on("error", () => watcher.close());
  return { close: () => watcher.close() };
};
