// Kernel notifications Bun's event loop cannot wait for: PSI triggers (POLLPRI) on /proc/pressure/memory and
// <cgroup>/memory.pressure, and pidfds of containers bunker did not start itself. The main thread opens and arms each
// fd (checking a trigger's write); only then does it join the epoll set the worker waits on (epoll_ctl from this
// thread while the worker waits is safe). Idle cost: one blocked thread.
import { closeSync, openSync, writeSync } from "node:fs";
import { O } from "../../ffi/constants.ts";
import { EPOLL, epollAdd, epollCreate, epollDel } from "../../ffi/epoll.ts";
import { isErrno } from "../../ffi/errno.ts";
import { close, pipe2, writeAll } from "../../ffi/fd.ts";
import { workerUrl } from "../compiled.ts";
import type { WatchReport, WatchStart, WatchStopped } from "./epoll-worker.ts";

export interface WatchCallbacks {
  /** `at`: wall-clock ms when the worker woke. */
  fired(at: number): void;
  /** The fd reported an error or hang-up and left the set (e.g. its cgroup was removed). */
  lost?(): void;
}

export interface EpollWatch {
  /** Arms a PSI trigger ("some 150000 1000000") on the pressure file at `path`; throws (and watches nothing) when the
   * kernel refuses it. */
  arm(label: string, path: string, trigger: string, cb: WatchCallbacks): void;
  /** Watches an fd that is already set up, for `events` (a pidfd: EPOLLIN|EPOLLONESHOT). The watch owns the fd. */
  watchFd(label: string, fd: number, events: number, cb: WatchCallbacks): void;
  /** Stops watching and closes the fd; unknown labels are ignored. */
  disarm(label: string): void;
  labels(): string[];
  close(): Promise<void>;
}

interface Entry {
  label: string;
  fd: number;
  cb: WatchCallbacks;
}

/** `failed`: the worker could not start or died; nothing is watched any more. */
export const startEpollWatch = (failed: (err: Error) => void = (err) => { throw err; }): EpollWatch => {
  const epfd = epollCreate();
  const [stopRead, stopWrite] = pipe2(O.CLOEXEC | O.NONBLOCK);
  epollAdd(epfd, stopRead, EPOLL.IN, stopRead);
  const byFd = new Map<number, Entry>();
  const byLabel = new Map<string, Entry>();
  const forget = (e: Entry): void => {
    byFd.delete(e.fd);
    byLabel.delete(e.label);
    closeSync(e.fd);
  };

  const worker = new Worker(workerUrl("watch/epoll-worker.ts", new URL("./epoll-worker.ts", import.meta.url)));
  let stoppedNow = (): void => {};
  const stopped = new Promise<void>((resolve) => (stoppedNow = resolve));
  worker.addEventListener("error", (e) => failed(new Error(`Starting the epoll worker: ${e.message}`)));
  worker.onmessage = (m: MessageEvent<WatchReport | WatchStopped>) => {
    if (m.data === "stopped") {
      worker.terminate();
      stoppedNow();
      return;
    }
    for (const fd of m.data.dropped) {
      const e = byFd.get(fd);
      if (!e) continue;
      forget(e);
      e.cb.lost?.();
    }
    for (const r of m.data.ready) if (r.events & (EPOLL.PRI | EPOLL.IN)) byFd.get(r.fd)?.cb.fired(m.data.at);
  };
  worker.postMessage({ epfd, stopFd: stopRead } satisfies WatchStart);

  const watchFd = (label: string, fd: number, events: number, cb: WatchCallbacks): void => {
    if (byLabel.has(label)) throw new Error(`Watching '${label}': already watched`);
    epollAdd(epfd, fd, events, fd);
    const e = { label, fd, cb };
    byFd.set(fd, e);
    byLabel.set(label, e);
  };

  return {
    arm(label, path, text, cb) {
      const fd = openSync(path, O.RDWR | O.NONBLOCK | O.CLOEXEC);
      try {
        writeSync(fd, `${text}\0`);
        watchFd(label, fd, EPOLL.PRI, cb);
      } catch (cause) {
        // Never epoll an fd whose trigger write failed: it would report POLLPRI|POLLERR forever.
        closeSync(fd);
        throw new Error(`Arming PSI trigger '${text}' on '${path}'`, { cause });
      }
    },
    watchFd,
    disarm(label) {
      const e = byLabel.get(label);
      if (!e) return;
      try {
        epollDel(epfd, e.fd);
      } catch (err) {
        // The worker took it out already (an error or hang-up: its cgroup was removed) and its report is on the way.
        if (!isErrno(err, "ENOENT")) throw err;
      }
      forget(e);
    },
    labels: () => [...byLabel.keys()],
    async close() {
      writeAll(stopWrite, new Uint8Array([1]));
      await stopped;
      for (const e of [...byFd.values()]) forget(e);
      for (const fd of [stopRead, stopWrite, epfd]) close(fd);
    },
  };
};
