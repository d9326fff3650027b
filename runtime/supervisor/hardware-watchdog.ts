// The hardware watchdog (/dev/watchdog): armed when opened, the board resets unless it is written to within its
// timeout. The daemon keeps it open for its whole life and writes only while its own loop is alive; a clean stop
// writes the magic 'V' before closing, which disarms it (a crash or SIGKILL does not, so the board resets).
import { closeSync, openSync, writeSync } from "node:fs";
import { isErrno } from "../../ffi/errno.ts";
import { setWatchdogTimeout, watchdogTimeout } from "../../ffi/watchdog.ts";

export interface HardwareWatchdog {
  readonly path: string;
  /** Seconds the driver waits for the next write. */
  readonly timeoutS: number;
  /** Set when the driver refused the timeout asked for and kept its own. */
  readonly refused?: string;
  pet(): void;
  /** Disarms (magic close) and closes. */
  close(): void;
}

export const openHardwareWatchdog = (path: string, timeoutS?: number): HardwareWatchdog => {
  let fd: number;
  try {
    fd = openSync(path, "w");
  } catch (cause) {
    throw new Error(`Arm the watchdog '${path}'`, { cause });
  }
  try {
    let refused: string | undefined;
    let timeout: number;
    try {
      timeout = timeoutS === undefined ? watchdogTimeout(fd) : setWatchdogTimeout(fd, timeoutS);
    } catch (err) {
      // Above the hardware's longest timeout (some stop at 15 s): run with the driver's own, and say so.
      if (timeoutS === undefined || !isErrno(err, "EINVAL")) throw err;
      refused = `the driver refused a timeout of ${timeoutS} s`;
      timeout = watchdogTimeout(fd);
    }
    return {
      path,
      timeoutS: timeout,
      ...(refused ? { refused } : {}),
      pet: () => void writeSync(fd, "\0"),
      close() {
        writeSync(fd, "V");
        closeSync(fd);
      },
    };
  } catch (cause) {
    // Opened means armed: disarm before giving up, or the board resets for a daemon that never ran.
    writeSync(fd, "V");
    closeSync(fd);
    throw new Error(`Arm the watchdog '${path}'`, { cause });
  }
};
