import type { Command } from "../command.ts";
import { flagBool, flagString } from "../parse.ts";
import { UsageError } from "../command.ts";
import { listContainers } from "../../container/list.ts";
import { ociState } from "../../container/status.ts";
import { table } from "../table.ts";

export const command: Command = {
  name: "list",
  summary: "list the containers in --root",
  args: "",
  arity: [0, 0],
  flags: [
    { name: "format", short: "f", kind: "string", value: "table|json", help: "output format (default table)" },
    { name: "quiet", short: "q", kind: "bool", help: "print only the IDs" },
  ],
  run(g, a) {
    const format = flagString(a, "format") ?? "table";
    if (format !== "table" && format !== "json") throw new UsageError(`--format must be table or json, not '${format}'`);
    const all = listContainers(g.root);
    if (format === "json") console.log(JSON.stringify(all.map((c) => ociState(c.record, c.status))));
    else if (flagBool(a, "quiet")) for (const c of all) console.log(c.record.id);
    else
      console.log(
        table(
          ["ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"],
          all.map((c) => [c.record.id, String(c.status === "stopped" ? 0 : c.record.pid), c.status, c.record.bundle, c.record.created, "root"]),
        ),
      );
    return 0;
  },
};
