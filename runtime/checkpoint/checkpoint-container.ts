// `bunker checkpoint ID`: freeze the container, write one checkpoint file of its config, state and writable trees (and,
// with --process, CRIU's dump of its process tree), then thaw it (--leave-running) or stop it.
import { readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { cgroupManager } from "../cgroups/host-manager.ts";
import { readRecord } from "../container/record.ts";
import { signalContainer } from "../container/signal.ts";
import { requireStatus } from "../container/status.ts";
import { CHECKPOINT_SUFFIX, writeCheckpoint, type CheckpointWritten } from "./checkpoint-file.ts";
import type { StateJournal } from "../durable/journal.ts";
import type { ContainerState } from "../durable/lifecycle.ts";
import { CRIU_IMAGES_TREE } from "../durable/checkpoint-records.ts";
import type { Config } from "../spec/config.ts";
import { debug } from "../debug.ts";
import { dumpProcesses, planDump, scratchDir } from "./process-dump.ts";
import { realProcessHost, type ProcessHost } from "./process-host.ts";
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
  /** Also dump the process tree with CRIU, so that restore brings back the running processes. */
  processes?: boolean;
  host?: ProcessHost;
  journal?: StateJournal;
}

/** zstd's level for CRIU's images: memory is large and written at each checkpoint; level 3 packs it within a few per
 * cent of level 9 at several times the speed (executable pages: 0.52 vs 0.50 of their size, 4x faster). */
const IMAGES_LEVEL = 3;

/** Bytes of the files directly in `dir` (CRIU's images directory is flat). */
const dirBytes = (dir: string): number => readdirSync(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0);

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
  const host = opts.processes ? (opts.host ?? realProcessHost()) : undefined;
  const planned = host ? planDump({ root: opts.root, rec, config: rec.config as Config, cgroup, host }) : undefined;
  const file = opts.file ?? checkpointFile(opts.store ?? DEFAULT_CHECKPOINT_STORE, opts.id);
  const wasFrozen = cgroup.frozen();
  if (!wasFrozen) await cgroup.freeze();
  debug("checkpoint: frozen");
  let written: CheckpointWritten;
  try {
    // The processes and the files are taken in the same freeze, so the one matches the other.
    const dumpStart = performance.now();
    const images = planned ? await dumpProcesses(host!, planned, scratchDir(file)) : undefined;
    const dumped = images ? { dumpMs: Math.round(performance.now() - dumpStart), imageBytes: dirBytes(images) } : undefined;
    if (dumped) debug(`checkpoint: CRIU dumped ${dumped.imageBytes} bytes of images`);
    try {
      written = writeCheckpoint({
        file,
        id: opts.id,
        trees: [...stateTrees(rec.bundle, JSON.parse(config)), ...(images ? [{ name: CRIU_IMAGES_TREE, dir: images, level: IMAGES_LEVEL }] : [])],
        config,
        state,
        ...(planned ? { process: planned.image } : {}),
        standalone: opts.standalone,
      });
      if (dumped) written.processes = dumped;
      debug("checkpoint: file written");
    } finally {
      if (images) rmSync(scratchDir(file), { recursive: true, force: true });
    }
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
