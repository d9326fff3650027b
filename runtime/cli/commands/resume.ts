// `bunker resume`: run by a board's init at boot: recover the state journal and bring back what should run.
// `bunker resume ID`: runc's command of that name, thawing a paused container.
import { DEFAULT_CHECKPOINT_STORE } from "../../checkpoint/checkpoint-container.ts";
import { openLockedJournal } from "../../container/journal.ts";
import { resume, type Resumed } from "../../checkpoint/resume.ts";
import { thawContainer } from "../../container/pause.ts";
import { existsSync } from "node:fs";
import { UsageError, type Command } from "../command.ts";
import { flagBool, flagList, flagString, journalDir } from "../parse.ts";
import { warn } from "../report.ts";

const text = (r: Resumed): string => {
  const rec = r.recovery;
  return [
    `shutdown: ${r.shutdown}`,
    `journal: snapshot to change #${rec.snapshotSeq}, ${rec.replayed} records replayed, last change #${rec.lastSeq}`,
    rec.dropped ? `journal: dropped ${rec.dropped.bytes} bytes at offset ${rec.dropped.offset} (a write the power cut tore): ${rec.dropped.reason}` : "journal: nothing dropped",
    ...rec.notes.map((n) => `journal: ${n}`),
    ...r.networks.released.map((n) => `network: released container '${n.id}' from '${n.network}' (it did not survive)`),
    ...r.networks.problems.map((p) => `network: ${p}`),
    ...r.leftovers.map((l) => `store: removed '${l}', left half-written by a cut`),
    ...r.containers.map((c) => `${c.id}: ${c.action}${c.error ? `: ${c.error}` : ""}`),
  ].join("\n");
};

export const command: Command = {
  name: "resume",
  summary: "at boot: recover the state journal and start every container that should run; with an ID: unpause it",
  args: "[<container-id>]",
  arity: [0, 1],
  flags: [
    { name: "rollback", kind: "list", value: "ID", help: "restore this container's data from its newest checkpoint first (repeatable)" },
    { name: "rollback-all", kind: "bool", help: "roll back every container's data to its newest checkpoint" },
    { name: "store", kind: "string", value: "DIR", help: `checkpoint directory (default ${DEFAULT_CHECKPOINT_STORE})` },
    { name: "journal", kind: "string", value: "DIR|none", help: "state journal directory (default: the global --journal)" },
    { name: "json", kind: "bool", help: "print the result as JSON" },
  ],
  description: "Without an ID, what a board's init runs at boot. With an ID, runc's resume: thaw a paused container.",
  async run(global, args) {
    const id = args.positional[0];
    if (id !== undefined) {
      await thawContainer(global.root, id);
      return 0;
    }
    const rollback = new Set(flagList(args, "rollback"));
    const all = flagBool(args, "rollback-all");
    const dir = journalDir(flagString(args, "journal"), global.journal);
    if (dir === null) throw new UsageError("'resume' recovers the state journal: name it with --journal DIR (there is none with --journal none or a root given with --root)");
    // Roots made from images are overlay mounts, gone after a boot: mounted again before anything starts.
    if (existsSync(global.images)) (await import("../image-container.ts")).remountRoots(global);
    const journal = openLockedJournal(dir);
    try {
      const r = await resume({
        root: global.root,
        journal,
        store: flagString(args, "store") ?? DEFAULT_CHECKPOINT_STORE,
        rollback: (id) => all || rollback.has(id),
        onWarning: (msg) => warn(global, msg),
        network: global.network,
      });
      console.log(global.json ? JSON.stringify(r, null, 2) : text(r));
      return r.containers.some((c) => c.error) || r.networks.problems.length ? 1 : 0;
    } finally {
      journal.close();
    }
  },
};
