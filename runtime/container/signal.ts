// `kill`: a signal to the container's process or to all of its cgroup, every one through a pidfd (process-handle.ts),
// so that a PID reused after an exit is never hit.
import { cgroupManager } from "../cgroups/host-manager.ts";
import { openProcess, signalProcess } from "../process/process-handle.ts";
import { isAlive } from "./proc.ts";
import { readRecord } from "./record.ts";
import { requireStatus } from "./status.ts";

export const signalContainer = (root: string, id: string, signal: number, all: boolean): void => {
  const rec = readRecord(root, id);
  requireStatus(root, rec, ["created", "running", "paused"], "kill");
  signalProcess(rec.pid, () => isAlive(rec.pid, rec.startTime), signal);
  if (!all) return;
  const cgroup = cgroupManager({ cgroupsPath: rec.cgroupsPath, id });
  // Each PID is taken once its pidfd is open and it is still listed in the cgroup: then it is a container process.
  const held = cgroup.pids().filter((pid) => pid !== rec.pid).flatMap((pid) => openProcess(pid, () => true) ?? []);
  try {
    const listed = new Set(cgroup.pids());
    for (const p of held) if (listed.has(p.pid)) p.signal(signal);
  } finally {
    for (const p of held) p.close();
  }
};
