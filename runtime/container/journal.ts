// Every lifecycle change bunker makes goes into the state journal (runtime/durable/journal.ts), durable before the
// command reports success. bunker commands are separate processes: one at a time holds the journal, under a lock.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { lockFile } from "../../ffi/lock.ts";
import { openStateJournal, type StateJournal } from "../durable/journal.ts";
import type { LifecycleChange } from "../durable/lifecycle.ts";

/** Opens the journal in `dir` for this process alone; `close` releases it. */
export const openLockedJournal = (dir: string): StateJournal => {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const lock = lockFile(join(dir, ".lock"));
  let journal: StateJournal;
  try {
    journal = openStateJournal(dir);
  } catch (err) {
    lock.release();
    throw err;
  }
  return {
    recovery: journal.recovery,
    state: () => journal.state(),
    record: (c) => journal.record(c),
    recordAll: (cs) => journal.recordAll(cs),
    close: () => {
      try {
        journal.close();
      } finally {
        lock.release();
      }
    },
  };
};

/**
 * Records `changes` in order. A container the journal does not know (made before journaling was on, or by another
 * root) gets no record but its creation; one it knows from an earlier life under the same ID is closed first.
 */
export const recordChanges = (dir: string | null, changes: readonly LifecycleChange[]): void => {
  if (dir === null || !changes.length) return;
  const journal = openLockedJournal(dir);
  try {
    const known = new Set(Object.keys(journal.state().containers));
    const wanted: LifecycleChange[] = [];
    for (const change of changes) {
      // The device's own changes (a boot's resume, the service manager's target and steps) concern no container.
      if (!("id" in change)) {
        wanted.push(change);
        continue;
      }
      if (change.kind === "created" && known.has(change.id)) wanted.push({ kind: "deleted", id: change.id });
      else if (change.kind !== "created" && !known.has(change.id)) continue;
      wanted.push(change);
      if (change.kind === "created") known.add(change.id);
      if (change.kind === "deleted") known.delete(change.id);
    }
    journal.recordAll(wanted);
  } finally {
    journal.close();
  }
};
