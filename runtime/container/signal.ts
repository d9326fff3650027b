// `kill`: a signal to the container's process (through a pidfd, so a reused PID is never hit) or to all of its cgroup.
import { isErrno } from "../../ffi/errno.ts";
import { close } from "../../ffi/fd.ts";
import { kill, pidfdOpen, pidfdSendSignal } from "../../ffi/process.ts";
import { cgroupManager } from "../cgroups/host-manager.ts";
import { isAlive } from "./proc.ts";
import { readRecord } from "./record.ts";
import { requireStatus } from "./status.ts";

export const signalContainer = (root: string, id: string, signal: number, all: boolean): void => {
  const rec = readRecord(root, id);
  requireStatus(root, rec, ["created", "running", "paused"], "kill");
  // The init is signalled by pidfd in any case: a created container's setup stage is not in its cgroup yet.
  signalPid(rec.pid, rec.startTime, signal);
  if (!all) return;
  for (const pid of cgroupManager({ cgroupsPath: rec.cgroupsPath, id }).pids()) {
    if (pid === rec.pid) continue;
    try {
      kill(pid, signal);
    } catch (err) {
      if (!isErrno(err, "ESRCH")) throw err;
    }
  }
};

const signalPid = (pid: number, startTime: string, signal: number): void => {
  let fd: number;
  try {
    fd = pidfdOpen(pid);
  } catch (err) {
    if (isErrno(err, "ESRCH")) return;
    if (!isErrno(err, "ENOSYS")) throw err;
    // Kernels before 5.3: no pidfd; the start time check above is the guard.
    kill(pid, signal);
    return;
  }
  try {
    // Checked after the pidfd is open: from here on the pidfd cannot refer to another process.
    if (isAlive(pid, startTime)) pidfdSendSignal(fd, signal);
  } finally {
    close(fd);
  }
};
