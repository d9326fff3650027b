import type { Command } from "../command.ts";
import { UsageError } from "../command.ts";
import { flagString } from "../parse.ts";
import { containerProcesses } from "../../container/list.ts";
import { table } from "../table.ts";

export const command: Command = {
  name: "ps",
  summary: "list the processes of a container (host PIDs)",
  args: "<container-id>",
  arity: [1, 1],
  flags: [{ name: "format", short: "f", kind: "string", value: "table|json", help: "output format (default table); json prints the PIDs as runc does" }],
  run(g, a) {
    const format = flagString(a, "format") ?? "table";
    if (format !== "table" && format !== "json") throw new UsageError(`--format must be table or json, not '${format}'`);
    const procs = containerProcesses(g.root, a.positional[0]!);
    if (format === "json") console.log(JSON.stringify(procs.map((p) => p.pid)));
    else console.log(table(["PID", "CMD"], procs.map((p) => [String(p.pid), p.command])));
    return 0;
  },
};
