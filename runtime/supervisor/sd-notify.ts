// sd_notify(3) without libsystemd: under a Type=notify unit, systemd passes NOTIFY_SOCKET (and WATCHDOG_USEC when
// the unit has WatchdogSec=); the daemon says READY=1 once it runs, WATCHDOG=1 at half the watchdog time while its
// loop is alive, STOPPING=1 when it begins to stop.
import { datagramTo, type DatagramSender } from "../../ffi/datagram.ts";

export interface SystemdNotifier {
  /** Half of WatchdogSec=, or undefined when the unit has no watchdog. */
  readonly watchdogIntervalMs: number | undefined;
  ready(status?: string): void;
  watchdog(): void;
  stopping(): void;
  close(): void;
}

/** The notifier systemd asked for, or undefined when not started by systemd with NOTIFY_SOCKET. */
export const systemdNotifier = (env: Record<string, string | undefined> = process.env, pid = process.pid): SystemdNotifier | undefined => {
  const address = env.NOTIFY_SOCKET;
  if (!address) return undefined;
  const usec = Number(env.WATCHDOG_USEC);
  // WATCHDOG_PID names the process the watchdog is for; another's (a parent shell's) does not apply here.
  const ours = env.WATCHDOG_PID === undefined || Number(env.WATCHDOG_PID) === pid;
  const sock: DatagramSender = datagramTo(address);
  return {
    watchdogIntervalMs: ours && Number.isFinite(usec) && usec > 0 ? Math.max(1, Math.floor(usec / 2000)) : undefined,
    ready: (status) => sock.send(`READY=1\nMAINPID=${pid}${status ? `\nSTATUS=${status}` : ""}`),
    watchdog: () => sock.send("WATCHDOG=1"),
    stopping: () => sock.send("STOPPING=1"),
    close: () => sock.close(),
  };
};
