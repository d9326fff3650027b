// `bunker restore ID --file F`: put a checkpoint's config and trees back into a bundle, then create and start the
// container from it, or, for a process checkpoint, restore its processes with CRIU. The bundle may be on another
// board: paths come from the checkpoint's own config.json.
import { Type, type Static } from "@sinclair/typebox";
import { existsSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { writeFileAtomic } from "../durable/atomic-file.ts";
import { fsStorage } from "../durable/storage.ts";
import { deleteContainer } from "../container/delete.ts";
import { readRecord } from "../container/record.ts";
import { runContainer } from "../container/run.ts";
import { statusOf } from "../container/status.ts";
import { loadConfig, parseConfig } from "../spec/config.ts";
import { parseJson } from "../spec/json-text.ts";
import { debug } from "../debug.ts";
import { readCheckpoint } from "./checkpoint-file.ts";
import { checkRestorable, restoreProcesses } from "./process-restore.ts";
import { realProcessHost, type ProcessHost } from "./process-host.ts";
import type { StateJournal } from "../durable/journal.ts";
import { restoreTree } from "./restore-tree.ts";
import { stateTrees } from "./state-trees.ts";

export interface RestoreContainerOptions {
  root: string;
  id: string;
  file: string;
  /** Default: the bundle the container had when it was checkpointed. */
  bundle?: string;
  journal?: StateJournal;
  onWarning?: (msg: string) => void;
  host?: ProcessHost;
}

/** What `bunker restore --json` prints. */
export const ContainerRestored = Type.Object({
  id: Type.String(),
  bundle: Type.String(),
  pid: Type.Integer({ minimum: 1 }),
  /** Whether the checkpoint's processes came back (a process checkpoint), or the program was started afresh. */
  processes: Type.Boolean(),
  trees: Type.Array(Type.Object({ name: Type.String(), dir: Type.String(), entries: Type.Integer({ minimum: 0 }), bytes: Type.Integer({ minimum: 0 }) })),
});
export type ContainerRestored = Static<typeof ContainerRestored>;

/** Takes away a stopped container of the same ID; refuses one that still runs. */
const clearId = async (root: string, id: string): Promise<void> => {
  if (!existsSync(join(root, id))) return;
  const status = statusOf(root, readRecord(root, id));
  if (status !== "stopped") throw new Error(`Restore container '${id}': a container of that ID is ${status} (stop it first)`);
  await deleteContainer(root, id, { force: true, journal: null });
};

export const restoreContainer = async (opts: RestoreContainerOptions): Promise<ContainerRestored> => {
  const contents = readCheckpoint(opts.file);
  const bundle = resolve(opts.bundle ?? contents.state.bundle);
  const host = contents.process ? (opts.host ?? realProcessHost()) : undefined;
  // A process restore that cannot work here is refused before the bundle is touched.
  if (host) checkRestorable({ root: opts.root, id: opts.id, bundle, file: opts.file, contents, config: parseConfig(parseJson(contents.config, "the checkpoint's config.json"), bundle), host });
  await clearId(opts.root, opts.id);
  // The bundle must survive a power cut as the journal says it does (`resume` starts from it): a bundle made here keeps
  // its name, and its config.json is synced, as its trees are.
  const made = mkdirSync(bundle, { recursive: true });
  if (made) for (let d = bundle; d.length >= made.length; d = dirname(d)) fsStorage().fsyncDir(dirname(d));
  const configPath = join(bundle, "config.json");
  writeFileAtomic(configPath, contents.config, { durable: true });
  const trees = stateTrees(bundle, JSON.parse(contents.config)).map((t) => ({
    ...t,
    ...restoreTree(opts.file, t.name, t.dir, { contents, replace: true }),
  }));
  debug("restore: bundle restored");
  // The journal is the caller's, already open and locked: this records below itself.
  const rec = host
    ? await restoreProcesses({ root: opts.root, id: opts.id, bundle, config: loadConfig(bundle), file: opts.file, contents, host })
    : await runContainer({ root: opts.root, id: opts.id, bundle, detach: true, journal: null }, opts.onWarning ?? (() => {})).then(() => readRecord(opts.root, opts.id));
  const j = opts.journal;
  if (j) {
    if (j.state().containers[opts.id]) j.record({ kind: "deleted", id: opts.id });
    j.record({ kind: "created", id: opts.id, bundle });
    j.record({ kind: "started", id: opts.id, pid: rec.pid, startTime: Number(rec.startTime) });
    j.record({ kind: "desired", id: opts.id, running: true });
  }
  return { id: opts.id, bundle, pid: rec.pid, processes: contents.process !== undefined, trees: trees.map(({ name, dir, entries, bytes }) => ({ name, dir, entries, bytes })) };
};
