// `delete --force` of a container whose state file cannot be read: its state directory goes, and the journal closes
// the container. Its processes and cgroup were named only by that file, so nothing is killed on a guess.
import type { ContainerEnv } from "./env.ts";
import { stateDir, type DamagedStateError } from "./record.ts";

export const removeDamaged = (
  root: string,
  id: string,
  journal: string | null,
  damage: DamagedStateError,
  onWarning: (msg: string) => void,
  env: ContainerEnv,
): void => {
  const lock = env.state.lock(root, id);
  try {
    // The pin would keep the directory busy; the attachment's cache entry goes at the next sweep.
    env.network.unpinDamaged(stateDir(root, id));
    env.state.removeDir(root, id);
    env.journal.record(journal, [
      { kind: "desired", id, running: false },
      { kind: "deleted", id },
    ]);
  } finally {
    lock.release();
  }
  onWarning(`Removed the state of damaged container '${id}' (${damage.message}); its processes and cgroup, if any are left, were not looked for`);
};
