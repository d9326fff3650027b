import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readlinkSync } from "node:fs";
import { EPOLL } from "../../../../ffi/epoll.ts";
import { O } from "../../../../ffi/constants.ts";
import { close, pipe2, writeAll } from "../../../../ffi/fd.ts";
import { startEpollWatch, type EpollWatch } from "../../../../runtime/watch/epoll.ts";
import { until } from "../../../support/until.ts";

/** Open fds of this process whose target starts with `prefix` (a path, "pipe:", "anon_inode:[eventpoll]"). */
const openFds = (prefix: string): number =>
  readdirSync("/proc/self/fd").filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`).startsWith(prefix);
    } catch {
      return false;
    }
  }).length;


let watch: EpollWatch | undefined;
afterEach(async () => {
  await watch?.close();
  watch = undefined;
});

describe("startEpollWatch()", () => {
  test("reports readiness of a watched fd from the worker, with the time it woke", async () => {
    const fired: number[] = [];
    watch = startEpollWatch();
    const [r, w] = pipe2(O.CLOEXEC | O.NONBLOCK);
    watch.watchFd("pipe", r, EPOLL.IN | EPOLL.ET, { fired: (at) => fired.push(at) });
    const before = Date.now();
    writeAll(w, new Uint8Array([1]));
    await until(() => fired.length > 0);
    expect(fired[0]).toBeGreaterThanOrEqual(before);
    expect(fired[0]! - before).toBeLessThan(1000);
    close(w);
  });

  test("reports a one-shot fd once, however long it stays ready", async () => {
    let count = 0;
    watch = startEpollWatch();
    const [r, w] = pipe2(O.CLOEXEC | O.NONBLOCK);
    watch.watchFd("pidfd-like", r, EPOLL.IN | EPOLL.ONESHOT, { fired: () => count++ });
    writeAll(w, new Uint8Array([1]));
    await until(() => count > 0);
    await Bun.sleep(30);
    expect(count).toBe(1);
    close(w);
  });

  test("disarms an fd the worker has already dropped, before its report arrives (a cgroup removed under a stop)", async () => {
    watch = startEpollWatch();
    const [r, w] = pipe2(O.CLOEXEC | O.NONBLOCK);
    watch.watchFd("gone", r, EPOLL.IN | EPOLL.ET, { fired: () => {} });
    close(w);
    // The main thread is busy (it cannot take the worker's report) while the worker takes the fd out of the set.
    Bun.sleepSync(100);
    expect(() => watch!.disarm("gone")).not.toThrow();
    expect(watch.labels()).toEqual([]);
  });

  test("drops an fd that hangs up and tells its owner", async () => {
    let lost = false;
    watch = startEpollWatch();
    const [r, w] = pipe2(O.CLOEXEC | O.NONBLOCK);
    watch.watchFd("peer", r, EPOLL.IN | EPOLL.ET, { fired: () => {}, lost: () => (lost = true) });
    close(w);
    await until(() => lost);
    expect(lost).toBe(true);
    expect(watch.labels()).toEqual([]);
  });

  test("refuses a trigger the kernel rejects and watches nothing for it", () => {
    watch = startEpollWatch();
    const path = "/proc/pressure/memory";
    if (!existsSync(path)) return void console.log("skip: this kernel has no /proc/pressure/memory");
    const fds = openFds(path);
    // "some 1 1" has a window below the kernel's 500 ms minimum: the write fails wherever PSI exists.
    expect(() => watch!.arm("system some", path, "some 1 1", { fired: () => {} })).toThrow(
      "Arming PSI trigger 'some 1 1' on '/proc/pressure/memory'",
    );
    expect(watch.labels()).toEqual([]);
    expect(openFds(path)).toBe(fds);
  });

  test("arms a system trigger where the kernel accepts triggers", () => {
    watch = startEpollWatch();
    try {
      watch.arm("system some", "/proc/pressure/memory", "some 70000 1000000", { fired: () => {} });
    } catch (err) {
      return void console.log(`skip: this kernel refuses PSI triggers (${(err as Error).cause ?? err})`);
    }
    expect(watch.labels()).toEqual(["system some"]);
  });

  test("closes its worker and every fd it opened", async () => {
    const kinds = ["pipe:", "anon_inode:[eventpoll]"];
    const fds = kinds.map(openFds);
    const w = startEpollWatch();
    const [r, wr] = pipe2(O.CLOEXEC | O.NONBLOCK);
    w.watchFd("pipe", r, EPOLL.IN, { fired: () => {} });
    await w.close();
    close(wr);
    // Other suites' fds may still be closing: give them a moment before comparing.
    await until(() => kinds.map(openFds).every((n, i) => n <= fds[i]!));
    expect(kinds.map(openFds).every((n, i) => n <= fds[i]!)).toBe(true);
  });
});
