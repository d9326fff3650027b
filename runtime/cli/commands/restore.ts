// `bunker restore ID --file F [--bundle DIR]`: recreate and start a container from a checkpoint file.
import { DEFAULT_JOURNAL_DIR } from "../../durable/journal.ts";
import { openLockedJournal } from "../../container/journal.ts";
import { restoreContainer } from "../../checkpoint/restore-container.ts";
import type { Command } from "../command.ts";
import { UsageError } from "../command.ts";
import { flagString } from "../parse.ts";
import { logLine } from "../report.ts";

export const command: Command = {
  name: "restore",
  summary: "recreate and start a container from a checkpoint file",
  args: "<container-id>",
  arity: [1, 1],
  flags: [
    { name: "file", kind: "string", value: "FILE", help: "the checkpoint file (required)" },
    { name: "bundle", short: "b", kind: "string", value: "DIR", help: "bundle directory to restore into (default: the one the container had)" },
    { name: "journal", kind: "string", value: "DIR", help: "state journal directory (default: the global --journal)" },
    { name: "json", kind: "bool", help: "print the result as JSON" },
  ],
  async run(global, args) {
    const file = flagString(args, "file");
    if (!file) throw new UsageError("'restore' needs --file FILE");
    const journal = openLockedJournal(flagString(args, "journal") ?? global.journal ?? DEFAULT_JOURNAL_DIR);
    try {
      const r = await restoreContainer({
        root: global.root,
        id: args.positional[0]!,
        file,
        bundle: flagString(args, "bundle"),
        journal,
        onWarning: (msg) => logLine(global, "warning", msg),
      });
      if (global.json) console.log(JSON.stringify(r));
      else console.log(`${r.id}: restored into '${r.bundle}' (${r.trees.map((t) => `${t.name}: ${t.entries} entries, ${t.bytes} bytes`).join("; ")}), running as pid ${r.pid}`);
      return 0;
    } finally {
      journal.close();
    }
  },
};
