// `delete --force` of a container whose state file cannot be read: its state directory goes, and the journal closes
// the container. Its processes and cgroup were named only by that file, so nothing is killed on a guess.
import { rmSync } from "node:fs";
import { lockFile } from "../../ffi/lock.ts";
import { recordChanges } from "./journal.ts";
import { lockPath, stateDir, type DamagedStateError } from "./record.ts";

export const removeDamaged = (root: string, id: string, journal: string | null, damage: DamagedStateError, onWarning: (msg: string) => void): void => {
  const lock = lockFile(lockPath(root, id));
  try {
    rmSync(stateDir(root, id), { recursive: true, force: true });
    recordChanges(journal, [
      { kind: "desired", id, running: false },
      { kind: "deleted", id },
    ]);
  } finally {
    lock.release();
  }
  onWarning(`Removed the state of damaged container '${id}' (${damage.message}); its processes and cgroup, if any are left, were not looked for`);
};
