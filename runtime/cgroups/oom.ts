// OOM notification without polling. v1: an eventfd registered through cgroup.event_control on memory.oom_control,
// which the kernel signals when the cgroup hits OOM (before its victim is killed, so the oom_kill count may not have
// moved yet) and when the cgroup is removed; every signal while the cgroup exists is an OOM, as in runc.
// v2: inotify (fs.watch) on memory.events, marked modified on any memory event after its counter moved; the callback
// runs when oom_kill rose.
import { closeSync, openSync, watch } from "node:fs";
import { EFD_CLOEXEC, EFD_NONBLOCK, eventfd } from "../../ffi/eventfd.ts";
import type { CgroupFs } from "./fs.ts";
import { writeFile } from "./files.ts";

export interface OomWatch {
  close(): void;
}

/** A wake-up handler that calls `onOom` when `count()` rose since the previous wake-up. */
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

export const watchOomV1 = (fs: CgroupFs, dir: string, onOom: () => void): OomWatch => {
  const efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  const ofd = openSync(fs.real(`${dir}/memory.oom_control`), "r");
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    closeSync(ofd);
    // Cancelling the stream leaves the eventfd open: close it once Bun has stopped reading it.
    void reader
      .cancel()
      .catch(() => {})
      .finally(() => closeSync(efd));
  };
  try {
    writeFile(fs, dir, "cgroup.event_control", `${efd} ${ofd}`);
  } catch (err) {
    closeSync(ofd);
    closeSync(efd);
    throw err;
  }
  // Bun reads a non-blocking eventfd from its event loop: no thread, no timer.
  const reader = Bun.file(efd).stream().getReader();
  void (async () => {
    while (!closed) {
      const { done } = await reader.read().catch(() => ({ done: true }));
      if (done) break;
      if (!fs.exists(dir)) break;
      onOom();
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
