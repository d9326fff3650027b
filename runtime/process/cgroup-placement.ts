// Who moves the setup stage into which cgroup, and when. A hierarchy with the memory controller is joined by the stage
// itself as the last step of create, so the memory the stage touched until then stays charged to the caller, and an
// engine that reads the cgroups of the container's process right after create finds them all. The others are joined
// cheaply where possible: v1 through `tasks` (moving one thread skips the kernel's global threadgroup lock and its RCU
// grace period; the stage is single-threaded), a memory-less v2 hierarchy (hybrid hosts) by the parent while the stage
// is still starting up, so the ~10 ms that write costs overlaps with it.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";

export interface Placement {
  /** Files the stage writes "0" into (late, or early with a cgroup namespace). */
  stage: string[];
  /** cgroup.procs files the parent writes the stage's PID into right after starting it. */
  parent: string[];
}

const hasMemory = (procsFile: string): boolean => {
  try {
    return readFileSync(join(dirname(procsFile), "cgroup.controllers"), "utf8").split(/\s+/).includes("memory");
  } catch {
    return false;
  }
};

/** With a new cgroup namespace the stage must be in every cgroup before it makes the namespace: all are its own. */
export const planPlacement = (procsFiles: readonly string[], cgroupNamespace: boolean): Placement => {
  const placement: Placement = { stage: [], parent: [] };
  for (const file of procsFiles) {
    const tasks = join(dirname(file), "tasks");
    if (existsSync(tasks)) placement.stage.push(tasks);
    else if (cgroupNamespace || hasMemory(file)) placement.stage.push(file);
    else placement.parent.push(file);
  }
  return placement;
};
