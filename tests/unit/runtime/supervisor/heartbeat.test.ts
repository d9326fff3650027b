import { describe, expect, test } from "bun:test";
import type { HardwareWatchdog } from "../../../../runtime/supervisor/hardware-watchdog.ts";
import { startHeartbeat } from "../../../../runtime/supervisor/heartbeat.ts";
import type { SystemdNotifier } from "../../../../runtime/supervisor/sd-notify.ts";
import { systemdNotifier } from "../../../../runtime/supervisor/sd-notify.ts";

const fakeWatchdog = (timeoutS: number) => {
  const calls: string[] = [];
  const w: HardwareWatchdog = { path: "/dev/watchdog", timeoutS, pet: () => void calls.push("pet"), close: () => void calls.push("magic close") };
  return { w, calls };
};

const fakeSystemd = (intervalMs: number | undefined) => {
  const calls: string[] = [];
  const s: SystemdNotifier = {
    watchdogIntervalMs: intervalMs,
    ready: () => void calls.push("READY=1"),
    watchdog: () => void calls.push("WATCHDOG=1"),
    stopping: () => void calls.push("STOPPING=1"),
    close: () => void calls.push("close"),
  };
  return { s, calls };
};

describe("startHeartbeat()", () => {
  test("pets the watchdog at a third of its timeout and systemd at its interval, only while the daemon is alive", async () => {
    const hw = fakeWatchdog(0.3);
    const sd = fakeSystemd(500);
    let alive = true;
    const hb = startHeartbeat({ watchdog: hw.w, systemd: sd.s, alive: () => alive, onError: () => {} });
    expect(hb.intervalMs).toBe(100);
    await Bun.sleep(350);
    const pets = hw.calls.length;
    expect(pets).toBeGreaterThanOrEqual(3);
    expect(sd.calls.filter((c) => c === "WATCHDOG=1").length).toBe(pets);
    alive = false;
    await Bun.sleep(250);
    expect(hw.calls.length).toBe(pets);
    hb.stop();
    expect(hw.calls.at(-1)).toBe("magic close");
  });

  test("has no timer without a watchdog to feed", () => {
    const sd = fakeSystemd(undefined);
    const hb = startHeartbeat({ systemd: sd.s, alive: () => true, onError: () => {} });
    expect(hb.intervalMs).toBeUndefined();
    hb.stop();
    expect(sd.calls).toEqual([]);
  });
});

describe("systemdNotifier()", () => {
  test("is absent without NOTIFY_SOCKET, and takes WATCHDOG_USEC only for this process", () => {
    expect(systemdNotifier({})).toBeUndefined();
    const mine = systemdNotifier({ NOTIFY_SOCKET: "@bunker-test-none", WATCHDOG_USEC: "30000000", WATCHDOG_PID: "77" }, 77)!;
    expect(mine.watchdogIntervalMs).toBe(15_000);
    mine.close();
    const other = systemdNotifier({ NOTIFY_SOCKET: "@bunker-test-none", WATCHDOG_USEC: "30000000", WATCHDOG_PID: "1" }, 77)!;
    expect(other.watchdogIntervalMs).toBeUndefined();
    other.close();
  });
});
