// `kill`: a signal to the container's process or to all of its cgroup, every one through a pidfd (process-handle.ts),
// so that a PID reused after an exit is never hit.
import { hostEnv, type ContainerEnv } from "./env.ts";
import { requireStatus } from "./status.ts";

export const signalContainer = (root: string, id: string, signal: number, all: boolean, env: ContainerEnv = hostEnv): void => {
  const rec = env.state.read(root, id);
  requireStatus(root, rec, ["created", "running", "paused"], "kill", env);
  const init = env.processes.open(rec.pid, () => env.processes.isAlive(rec.pid, rec.startTime));
  try {
    init?.signal(signal);
  } finally {
    init?.close();
  }
  if (!all) return;
  const cgroup = env.cgroups.manager({ cgroupsPath: rec.cgroupsPath, id });
  // Each PID is taken once its pidfd is open and it is still listed in the cgroup: then it is a container process.
  const held = cgroup.pids().filter((pid) => pid !== rec.pid).flatMap((pid) => env.processes.open(pid, () => true) ?? []);
  try {
    const listed = new Set(cgroup.pids());
    for (const p of held) if (listed.has(p.pid)) p.signal(signal);
  } finally {
    for (const p of held) p.close();
  }
};
