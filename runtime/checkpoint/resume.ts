// `bunker resume`, what a board's init runs at boot: recover the state journal, say what happened to the device
// (clean shutdown or power cut, records dropped), clear what a cut left half-written in the checkpoint store, and
// bring back every container that should run: with its data as left on disk, rolled back to its newest checkpoint,
// or, when its config asks for it, with its processes restored from its newest process checkpoint. (`bunker resume
// ID`, runc's unpause, is container/pause.ts.)
import { Type, type Static } from "@sinclair/typebox";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { describeError } from "../errors.ts";
import { deleteContainer } from "../container/delete.ts";
import { readRecord } from "../container/record.ts";
import { runContainer } from "../container/run.ts";
import { statusOf } from "../container/status.ts";
import { CHECKPOINT_SUFFIX, readCheckpoint } from "./checkpoint-file.ts";
import { RecoveryReport, type StateJournal } from "../durable/journal.ts";
import { restoreContainer } from "./restore-container.ts";
import { fsStorage, type Storage } from "../durable/storage.ts";
import { sweepContainerNetworks } from "../container/network.ts";
import type { NetworkEnv } from "../network/env.ts";
import { SCRATCH_SUFFIX } from "./process-dump.ts";

/** A container's policy at boot: "processes" brings back its processes from its newest process checkpoint. */
export const RESUME_ANNOTATION = "org.bunker.checkpoint.resume";

export interface ResumeOptions {
  root: string;
  journal: StateJournal;
  /** Where checkpoint files are looked for. */
  store: string;
  /** Containers whose data goes back to their newest checkpoint; the others keep their data as left on disk. */
  rollback: (id: string) => boolean;
  storage?: Storage;
  onWarning?: (msg: string) => void;
  /** Where networking lives: attachments of containers lost with the state root are released before any start. */
  network?: NetworkEnv;
}

/** What `bunker resume --json` prints. */
export const Resumed = Type.Object({
  recovery: RecoveryReport,
  /**
   * "power cut or crash" when the journal shows it: a torn write at its tail, or containers recorded as running.
   * Without either, a cut that hit no write and no running container cannot be told from a clean shutdown.
   */
  shutdown: Type.Union([Type.Literal("clean as far as the journal shows"), Type.Literal("power cut or crash")]),
  containers: Type.Array(Type.Object({ id: Type.String(), action: Type.String(), error: Type.Optional(Type.String()) })),
  /** CNI attachments released (DEL from the cache) because their container did not survive, and what failed. */
  networks: Type.Object({ released: Type.Array(Type.Object({ id: Type.String(), network: Type.String() })), problems: Type.Array(Type.String()) }),
  /** Half-written checkpoint files and CRIU scratch directories found in the store (a cut in mid-checkpoint), removed. */
  leftovers: Type.Array(Type.String()),
});
export type Resumed = Static<typeof Resumed>;

/** The newest checkpoint of `id` in the store (by the time it records), or undefined; `processes`: process checkpoints only. */
export const newestCheckpoint = (store: string, id: string, storage: Storage = fsStorage(), processes = false): string | undefined => {
  let best: { file: string; at: number } | undefined;
  for (const name of storage.list(store)) {
    if (!name.startsWith(`${id}-`) || !name.endsWith(CHECKPOINT_SUFFIX)) continue;
    const file = join(store, name);
    try {
      const contents = readCheckpoint(file, storage);
      const head = contents.head;
      if (processes && !contents.process) continue;
      if (head.id === id && (!best || head.createdAt > best.at)) best = { file, at: head.createdAt };
    } catch {
      // A damaged checkpoint is not a candidate; an older intact one is.
    }
  }
  return best?.file;
};

/** Removes what a checkpoint cut short left in the store: `*.bnkc.tmp` files and CRIU's `*.bnkc.criu` directories. */
const clearLeftovers = (store: string, storage: Storage): string[] =>
  storage
    .list(store)
    .filter((name) => name.endsWith(`${CHECKPOINT_SUFFIX}.tmp`) || name.endsWith(`${CHECKPOINT_SUFFIX}${SCRATCH_SUFFIX}`))
    .map((name) => {
      rmSync(join(store, name), { recursive: true, force: true });
      return join(store, name);
    });

/** Whether the bundle's config asks for its processes back at boot. */
const wantsProcesses = (bundle: string): boolean => {
  try {
    return JSON.parse(readFileSync(join(bundle, "config.json"), "utf8"))?.annotations?.[RESUME_ANNOTATION] === "processes";
  } catch {
    return false;
  }
};

export const resume = async (opts: ResumeOptions): Promise<Resumed> => {
  const { journal } = opts;
  const before = journal.state();
  const wasRunning = Object.values(before.containers).some((c) => c.status === "running");
  const out: Resumed = {
    recovery: journal.recovery,
    shutdown: journal.recovery.dropped || wasRunning ? "power cut or crash" : "clean as far as the journal shows",
    containers: [],
    networks: { released: [], problems: [] },
    leftovers: clearLeftovers(opts.store, opts.storage ?? fsStorage()),
  };
  // What this boot found is itself journaled, before anything is restarted.
  journal.record({
    kind: "resumed",
    powerCut: out.shutdown === "power cut or crash",
    droppedBytes: journal.recovery.dropped?.bytes ?? 0,
    replayed: journal.recovery.replayed,
  });
  // Before anything starts: a lease or port mapping of a container the power cut took would stay for ever.
  out.networks = sweepContainerNetworks(opts.root, opts.network);
  for (const c of Object.values(before.containers)) {
    if (!c.shouldRun) continue;
    try {
      if (existsSync(join(opts.root, c.id))) {
        const status = statusOf(opts.root, readRecord(opts.root, c.id));
        if (status === "running" || status === "paused") {
          out.containers.push({ id: c.id, action: `already ${status}` });
          continue;
        }
        await deleteContainer(opts.root, c.id, { force: true, journal: null });
      }
      if (c.status === "running") journal.record({ kind: "exited", id: c.id, signal: 9 });
      const processes = wantsProcesses(c.bundle) ? newestCheckpoint(opts.store, c.id, opts.storage, true) : undefined;
      let fallback: string | undefined;
      if (processes) {
        try {
          await restoreContainer({ root: opts.root, id: c.id, file: processes, bundle: c.bundle, journal, onWarning: opts.onWarning });
          out.containers.push({ id: c.id, action: `processes restored from '${processes}'` });
          continue;
        } catch (err) {
          // The service must run: it starts afresh below, and the failure is reported.
          fallback = describeError(err);
        }
      }
      const file = opts.rollback(c.id) ? newestCheckpoint(opts.store, c.id, opts.storage) : undefined;
      if (opts.rollback(c.id) && !file) throw new Error(`Roll back container '${c.id}': no checkpoint of it in '${opts.store}'`);
      if (file) {
        await restoreContainer({ root: opts.root, id: c.id, file, bundle: c.bundle, journal, onWarning: opts.onWarning });
        out.containers.push({ id: c.id, action: `rolled back to '${file}' and started`, ...(fallback ? { error: `its processes could not be restored: ${fallback}` } : {}) });
        continue;
      }
      await runContainer({ root: opts.root, id: c.id, bundle: c.bundle, detach: true, journal: null, ...(opts.network ? { network: opts.network } : {}) }, opts.onWarning ?? (() => {}));
      const rec = readRecord(opts.root, c.id);
      journal.record({ kind: "restarted", id: c.id, count: c.restarts + 1 });
      journal.record({ kind: "started", id: c.id, pid: rec.pid, startTime: Number(rec.startTime) });
      // After a failed process restore the data may already be the checkpoint's: the action does not claim otherwise.
      out.containers.push(
        fallback
          ? { id: c.id, action: "started afresh", error: `its processes could not be restored: ${fallback}` }
          : { id: c.id, action: "started with its data as left on disk" },
      );
    } catch (err) {
      out.containers.push({ id: c.id, action: "failed", error: describeError(err) });
    }
  }
  return out;
};
