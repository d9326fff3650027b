// epoll(7): the memory core waits on PSI trigger fds (POLLPRI) and pidfds with it, from a Worker, since Bun's loop cannot.
import { arch } from "./arch.ts";
import { check } from "./check.ts";
import { SysError } from "./errno.ts";
import { errno, libc } from "./libc.ts";

export const EPOLL = { IN: 0x1, PRI: 0x2, ERR: 0x8, HUP: 0x10, ONESHOT: 0x40000000, ET: 0x80000000, CLOEXEC: 0o2000000 } as const;
const EINTR = 4;
const CTL = { ADD: 1, DEL: 2 } as const;

// struct epoll_event is packed on x86_64 (12 bytes, data at offset 4) and naturally aligned on arm64 (16, at 8).
const SIZE = arch === "x64" ? 12 : 16;
const DATA_AT = arch === "x64" ? 4 : 8;

export interface EpollEvent {
  /** The number given to epollAdd for this fd. */
  key: number;
  events: number;
}

export const epollCreate = (): number => check("epoll_create1", "", libc.epoll_create1(EPOLL.CLOEXEC));

/** Watches `fd` for `events`; each event comes back carrying `key`. */
export const epollAdd = (epfd: number, fd: number, events: number, key: number): void => {
  const ev = Buffer.alloc(SIZE);
  ev.writeUInt32LE(events >>> 0, 0);
  ev.writeBigUInt64LE(BigInt(key), DATA_AT);
  check("epoll_ctl", `ADD fd ${fd}`, libc.epoll_ctl(epfd, CTL.ADD, fd, ev));
};

export const epollDel = (epfd: number, fd: number): void => void check("epoll_ctl", `DEL fd ${fd}`, libc.epoll_ctl(epfd, CTL.DEL, fd, null));

/** Blocks until events arrive (timeoutMs -1: no timeout); EINTR returns an empty list. */
export const epollWait = (epfd: number, maxEvents: number, timeoutMs: number): EpollEvent[] => {
  const buf = Buffer.alloc(SIZE * maxEvents);
  const n = libc.epoll_wait(epfd, buf, maxEvents, timeoutMs);
  if (n === -1) {
    const e = errno();
    if (e === EINTR) return [];
    throw new SysError("epoll_wait", e, `epfd ${epfd}`);
  }
  const out: EpollEvent[] = [];
  for (let i = 0; i < n; i++) out.push({ events: buf.readUInt32LE(i * SIZE), key: Number(buf.readBigUInt64LE(i * SIZE + DATA_AT)) });
  return out;
};
