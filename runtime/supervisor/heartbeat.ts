// One timer that proves the daemon alive to whoever watches it: the hardware watchdog and systemd's. It writes only
// when `alive()` says the daemon's own work is not stuck, so a wedged apply resets the board as a stopped process does.
import type { HardwareWatchdog } from "./hardware-watchdog.ts";
import type { SystemdNotifier } from "./sd-notify.ts";

export interface Heartbeat {
  readonly intervalMs: number | undefined;
  /** Stops the timer; the watchdog is disarmed with its magic close. */
  stop(): void;
}

export const startHeartbeat = (o: { watchdog?: HardwareWatchdog; systemd?: SystemdNotifier; alive(): boolean; onError(msg: string): void }): Heartbeat => {
  // A third of the hardware timeout leaves two chances to a busy loop before the reset.
  const periods = [o.watchdog ? (o.watchdog.timeoutS * 1000) / 3 : undefined, o.systemd?.watchdogIntervalMs].filter((p): p is number => p !== undefined);
  const intervalMs = periods.length ? Math.max(100, Math.floor(Math.min(...periods))) : undefined;
  const beat = (): void => {
    if (!o.alive()) return;
    try {
      o.watchdog?.pet();
      if (o.systemd?.watchdogIntervalMs !== undefined) o.systemd.watchdog();
    } catch (err) {
      o.onError(`Heartbeat: ${(err as Error).message}`);
    }
  };
  beat();
  const timer = intervalMs === undefined ? undefined : setInterval(beat, intervalMs);
  return {
    intervalMs,
    stop() {
      clearInterval(timer);
      o.watchdog?.close();
    },
  };
};
