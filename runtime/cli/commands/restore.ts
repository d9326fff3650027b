// `bunker restore ID --file F [--bundle DIR]`: recreate and start a container from a checkpoint file.
import { openLockedJournal } from "../../container/journal.ts";
import { restoreContainer } from "../../checkpoint/restore-container.ts";
import type { Command } from "../command.ts";
import { UsageError } from "../command.ts";
import { flagString, journalDir } from "../parse.ts";
import { warn } from "../report.ts";
import { refuseSystemdDriver } from "../../cgroups/systemd.ts";

export const command: Command = {
  name: "restore",
  summary: "recreate a container from a checkpoint file: its processes restored (process checkpoints) or started afresh",
  args: "<container-id>",
  arity: [1, 1],
  flags: [
    { name: "file", kind: "string", value: "FILE", help: "the checkpoint file (required)" },
    { name: "bundle", short: "b", kind: "string", value: "DIR", help: "bundle directory to restore into (default: the one the container had)" },
    { name: "journal", kind: "string", value: "DIR|none", help: "state journal directory, or none (default: the global --journal)" },
    { name: "json", kind: "bool", help: "print the result as JSON" },
  ],
  async run(global, args) {
    if (global.systemdCgroup) refuseSystemdDriver();
    const file = flagString(args, "file");
    if (!file) throw new UsageError("'restore' needs --file FILE");
    const dir = journalDir(flagString(args, "journal"), global.journal);
    const journal = dir === null ? undefined : openLockedJournal(dir);
    try {
      const r = await restoreContainer({
        root: global.root,
        id: args.positional[0]!,
        file,
        bundle: flagString(args, "bundle"),
        ...(journal ? { journal } : {}),
        onWarning: (msg) => warn(global, msg),
      });
      if (global.json) console.log(JSON.stringify(r));
      else
        console.log(
          `${r.id}: restored into '${r.bundle}' (${r.trees.map((t) => `${t.name}: ${t.entries} entries, ${t.bytes} bytes`).join("; ")}), ${r.processes ? "its processes restored" : "started afresh"}, running as pid ${r.pid}`,
        );
      return 0;
    } finally {
      journal?.close();
    }
  },
};
