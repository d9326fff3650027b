// Kernel notifications that need POLLPRI: PSI triggers on /proc/pressure/memory and <cgroup>/memory.pressure.
// The main thread opens and arms each trigger and checks the write; only then does the fd join the epoll set that
// the worker waits on (epoll_ctl from this thread while the worker waits is safe). Idle cost: one blocked thread.
import { closeSync, openSync, writeSync } from "node:fs";
import { O } from "../../ffi/constants.ts";
import { EPOLL, epollAdd, epollCreate, epollDel } from "../../ffi/epoll.ts";
import { close, pipe2, writeAll } from "../../ffi/fd.ts";
import { triggerText, type PsiTrigger } from "./classes.ts";
import type { WatchReport, WatchStart } from "./psi-worker.ts";

export interface Fired {
  label: string;
  /** Wall-clock ms when the worker woke. */
  at: number;
}

export interface PsiWatch {
  /** Arms `trigger` on the pressure file at `path`; throws (and watches nothing) when the kernel refuses it. */
  arm(label: string, path: string, trigger: PsiTrigger): void;
  /** Watches an fd that is already set up, for `events` (tests use a pipe with EPOLLIN|EPOLLET). */
  watchFd(label: string, fd: number, events: number): void;
  disarm(label: string): void;
  labels(): string[];
  close(): Promise<void>;
}

export interface PsiWatchHandlers {
  fired(f: Fired): void;
  /** The fd reported an error or hang-up and left the set (e.g. its cgroup was removed). */
  lost(label: string): void;
}

export const startPsiWatch = (h: PsiWatchHandlers): PsiWatch => {
  const epfd = epollCreate();
  const [stopRead, stopWrite] = pipe2(O.CLOEXEC | O.NONBLOCK);
  epollAdd(epfd, stopRead, EPOLL.IN, stopRead);
  const byFd = new Map<number, string>();
  const byLabel = new Map<string, number>();
  const forget = (fd: number): void => {
    const label = byFd.get(fd);
    byFd.delete(fd);
    if (label !== undefined) byLabel.delete(label);
    closeSync(fd);
  };

  const worker = new Worker(new URL("./psi-worker.ts", import.meta.url).href);
  const stopped = new Promise<void>((resolve) => worker.addEventListener("close", () => resolve()));
  worker.onmessage = (e: MessageEvent<WatchReport>) => {
    for (const fd of e.data.dropped) {
      const label = byFd.get(fd);
      forget(fd);
      if (label !== undefined) h.lost(label);
    }
    for (const r of e.data.ready) {
      const label = byFd.get(r.fd);
      if (label !== undefined && r.events & (EPOLL.PRI | EPOLL.IN)) h.fired({ label, at: e.data.at });
    }
  };
  worker.postMessage({ epfd, stopFd: stopRead } satisfies WatchStart);

  const watchFd = (label: string, fd: number, events: number): void => {
    if (byLabel.has(label)) throw new Error(`Watching '${label}': already watched`);
    epollAdd(epfd, fd, events, fd);
    byFd.set(fd, label);
    byLabel.set(label, fd);
  };

  return {
    arm(label, path, trigger) {
      const text = triggerText(trigger);
      const fd = openSync(path, O.RDWR | O.NONBLOCK | O.CLOEXEC);
      try {
        writeSync(fd, `${text}\0`);
        watchFd(label, fd, EPOLL.PRI);
      } catch (cause) {
        // Never epoll an fd whose trigger write failed: it would report POLLPRI|POLLERR forever.
        closeSync(fd);
        throw new Error(`Arming PSI trigger '${text}' on '${path}'`, { cause });
      }
    },
    watchFd,
    disarm(label) {
      const fd = byLabel.get(label);
      if (fd === undefined) return;
      epollDel(epfd, fd);
      forget(fd);
    },
    labels: () => [...byLabel.keys()],
    async close() {
      writeAll(stopWrite, new Uint8Array([1]));
      await stopped;
      for (const fd of [...byFd.keys()]) forget(fd);
      for (const fd of [stopRead, stopWrite, epfd]) close(fd);
    },
  };
};
