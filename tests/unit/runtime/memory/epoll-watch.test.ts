import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readlinkSync } from "node:fs";
import { EPOLL } from "../../../../ffi/epoll.ts";
import { O } from "../../../../ffi/constants.ts";
import { close, pipe2, writeAll } from "../../../../ffi/fd.ts";
import { startPsiWatch, type Fired, type PsiWatch } from "../../../../runtime/memory/psi-watch.ts";

/** Open fds of this process whose target starts with `prefix` (a path, "pipe:", "anon_inode:[eventpoll]"). */
const openFds = (prefix: string): number =>
  readdirSync("/proc/self/fd").filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`).startsWith(prefix);
    } catch {
      return false;
    }
  }).length;

let watch: PsiWatch | undefined;
afterEach(async () => {
  await watch?.close();
  watch = undefined;
});

const nextFired = (fired: Fired[]): Promise<void> =>
  new Promise((resolve) => {
    const t = setInterval(() => fired.length && (clearInterval(t), resolve()), 1);
  });

describe("startPsiWatch()", () => {
  test("reports readiness of a watched fd from the worker, with the time it woke", async () => {
    const fired: Fired[] = [];
    watch = startPsiWatch({ fired: (f) => fired.push(f), lost: () => {} });
    const [r, w] = pipe2(O.CLOEXEC | O.NONBLOCK);
    watch.watchFd("pipe", r, EPOLL.IN | EPOLL.ET);
    const before = Date.now();
    writeAll(w, new Uint8Array([1]));
    await nextFired(fired);
    expect(fired[0]!.label).toBe("pipe");
    expect(fired[0]!.at).toBeGreaterThanOrEqual(before);
    expect(fired[0]!.at - before).toBeLessThan(1000);
    close(w);
  });

  test("drops an fd that hangs up and says which label was lost", async () => {
    const lost: string[] = [];
    watch = startPsiWatch({ fired: () => {}, lost: (l) => lost.push(l) });
    const [r, w] = pipe2(O.CLOEXEC | O.NONBLOCK);
    watch.watchFd("peer", r, EPOLL.IN | EPOLL.ET);
    close(w);
    while (!lost.length) await Bun.sleep(1);
    expect(lost).toEqual(["peer"]);
    expect(watch.labels()).toEqual([]);
  });

  test("refuses a trigger the kernel rejects and watches nothing for it", async () => {
    watch = startPsiWatch({ fired: () => {}, lost: () => {} });
    // "some 1 1" has a window below the kernel's 500 ms minimum: the write fails wherever PSI exists.
    const path = "/proc/pressure/memory";
    if (!existsSync(path)) return void console.log("skip: this kernel has no /proc/pressure/memory");
    const fds = openFds(path);
    expect(() => watch!.arm("system some", path, { kind: "some", stallUs: 1, windowUs: 1 })).toThrow(
      "Arming PSI trigger 'some 1 1' on '/proc/pressure/memory'",
    );
    expect(watch.labels()).toEqual([]);
    expect(openFds(path)).toBe(fds);
  });

  test("arms a system trigger where the kernel accepts triggers", async () => {
    watch = startPsiWatch({ fired: () => {}, lost: () => {} });
    try {
      watch.arm("system some", "/proc/pressure/memory", { kind: "some", stallUs: 70_000, windowUs: 1_000_000 });
    } catch (err) {
      return void console.log(`skip: this kernel refuses PSI triggers (${(err as Error).cause ?? err})`);
    }
    expect(watch.labels()).toEqual(["system some"]);
  });

  test("closes its worker and every fd it opened", async () => {
    const kinds = ["pipe:", "anon_inode:[eventpoll]"];
    const fds = kinds.map(openFds);
    const w = startPsiWatch({ fired: () => {}, lost: () => {} });
    const [r, wr] = pipe2(O.CLOEXEC | O.NONBLOCK);
    w.watchFd("pipe", r, EPOLL.IN);
    await w.close();
    close(wr);
    expect(kinds.map(openFds)).toEqual(fds);
  });
});
