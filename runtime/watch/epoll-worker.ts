// The thread that blocks in epoll_wait for epoll.ts (PSI triggers, pidfds) and posts what the kernel said, with the time it said it.
// An fd reporting an error or hang-up (a failed trigger, a removed cgroup) is taken out of the set at once, so it
// cannot wake this loop again and again (see NOTES: a failed trigger reports POLLPRI|POLLERR forever).
import { EPOLL, epollDel, epollWait } from "../../ffi/epoll.ts";

export interface WatchStart {
  epfd: number;
  /** Readable end of the pipe whose readability means "stop". */
  stopFd: number;
}

export interface WatchReport {
  at: number;
  ready: { fd: number; events: number }[];
  /** Fds removed from the set because they reported EPOLLERR or EPOLLHUP. */
  dropped: number[];
}

export type WatchStopped = "stopped";

declare const self: { onmessage: ((e: MessageEvent<WatchStart>) => void) | null };

self.onmessage = (e) => {
  const { epfd, stopFd } = e.data;
  for (;;) {
    const events = epollWait(epfd, 32, -1);
    const at = Date.now();
    if (events.some((ev) => ev.key === stopFd)) break;
    const dropped: number[] = [];
    for (const ev of events) {
      if (ev.events & (EPOLL.ERR | EPOLL.HUP)) {
        epollDel(epfd, ev.key);
        dropped.push(ev.key);
      }
    }
    const report: WatchReport = { at, ready: events.map((ev) => ({ fd: ev.key, events: ev.events })), dropped };
    postMessage(report);
  }
  // The main thread terminates this worker on hearing it stopped (Bun's workers have no self.close()).
  postMessage("stopped" satisfies WatchStopped);
};
