// `bunker checkpoint ID`: freeze the container, write one checkpoint file of its config, state and writable trees,
// then thaw it (--leave-running) or stop it.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { cgroupManager } from "../cgroups/host-manager.ts";
import { readRecord } from "../container/record.ts";
import { signalContainer } from "../container/signal.ts";
import { requireStatus } from "../container/status.ts";
import { CHECKPOINT_SUFFIX, writeCheckpoint, type CheckpointWritten } from "./checkpoint-file.ts";
import type { StateJournal } from "../durable/journal.ts";
import type { ContainerState } from "../durable/lifecycle.ts";
import { stateTrees } from "./state-trees.ts";

export const DEFAULT_CHECKPOINT_STORE = "/var/lib/bunker/checkpoints";

export interface CheckpointContainerOptions {
  root: string;
  id: string;
  /** Default: `<store>/<id>-<unix ms>.bnkc`. */
  file?: string;
  store?: string;
  leaveRunning: boolean;
  /** Write every chunk into the file (to carry it to another board). */
  standalone?: boolean;
  journal?: StateJournal;
}

/** Where checkpoints of `id` go by default; `resume` looks there for the newest. */
export const checkpointFile = (store: string, id: string, now = Date.now()): string => join(store, `${id}-${now}${CHECKPOINT_SUFFIX}`);

export const checkpointContainer = async (opts: CheckpointContainerOptions): Promise<CheckpointWritten> => {
  const rec = readRecord(opts.root, opts.id);
  requireStatus(opts.root, rec, ["running", "paused"], "checkpoint");
  // The bundle's own config.json keeps relative paths, so the file restores into another bundle directory.
  // Stored without its indentation: a third of a typical config.json is white space.
  const config = (() => {
    try {
      return JSON.stringify(JSON.parse(readFileSync(join(rec.bundle, "config.json"), "utf8")));
    } catch {
      return JSON.stringify(rec.config);
    }
  })();
  const known = opts.journal?.state().containers[opts.id];
  const state: ContainerState = known ?? { id: opts.id, bundle: rec.bundle, status: "running", pid: rec.pid, startTime: Number(rec.startTime), oomKilled: false, restarts: 0, shouldRun: true };
  const cgroup = cgroupManager({ cgroupsPath: rec.cgroupsPath, id: opts.id });
  const wasFrozen = cgroup.frozen();
  if (!wasFrozen) await cgroup.freeze();
  let written: CheckpointWritten;
  try {
    written = writeCheckpoint({
      file: opts.file ?? checkpointFile(opts.store ?? DEFAULT_CHECKPOINT_STORE, opts.id),
      id: opts.id,
      trees: stateTrees(rec.bundle, JSON.parse(config)),
      config,
      state,
      standalone: opts.standalone,
    });
    // Stopping: the kill is queued while frozen and delivered on thaw, so nothing runs past the checkpoint.
    if (!opts.leaveRunning) signalContainer(opts.root, opts.id, 9, true);
  } finally {
    // A failed checkpoint leaves the container as it was: running, or paused if it was.
    if (!wasFrozen || !opts.leaveRunning) await cgroup.thaw();
  }
  if (!opts.leaveRunning && known) {
    opts.journal!.record({ kind: "desired", id: opts.id, running: false });
    opts.journal!.record({ kind: "exited", id: opts.id, signal: 9 });
  }
  return written;
};
