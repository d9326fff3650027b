// A process held by a pidfd: once the pidfd is open and the process checked to be the one meant, a signal can never
// reach another process that got the same PID after it exited.
import { isErrno } from "../../ffi/errno.ts";
import { close } from "../../ffi/fd.ts";
import { kill, pidfdOpen, pidfdSendSignal } from "../../ffi/process.ts";

export interface ProcessHandle {
  readonly pid: number;
  /** Sends `signal`; false when the process has exited. */
  signal(signal: number): boolean;
  close(): void;
}

const sent = (send: () => void): boolean => {
  try {
    send();
    return true;
  } catch (err) {
    if (isErrno(err, "ESRCH")) return false;
    throw err;
  }
};

/**
 * A handle on `pid`, or undefined when it is gone. `isMeant` runs once the pidfd is open (from then on the pidfd
 * cannot refer to another process): a start time compared with /proc/<pid>/stat, or a check that the PID is still in
 * the container's cgroup.
 */
export const openProcess = (pid: number, isMeant: () => boolean): ProcessHandle | undefined => {
  let fd: number;
  try {
    fd = pidfdOpen(pid);
  } catch (err) {
    if (isErrno(err, "ESRCH")) return undefined;
    if (!isErrno(err, "ENOSYS")) throw err;
    // Kernels before 5.3: no pidfd; the check is the only guard.
    return isMeant() ? { pid, signal: (s) => sent(() => kill(pid, s)), close: () => {} } : undefined;
  }
  if (!isMeant()) {
    close(fd);
    return undefined;
  }
  return { pid, signal: (s) => sent(() => pidfdSendSignal(fd, s)), close: () => close(fd) };
};
