import type { Command } from "../command.ts";
import { flagBool, flagString } from "../parse.ts";
import { UsageError } from "../command.ts";
import { listContainers } from "../../container/list.ts";
import { ociState } from "../../container/status.ts";
import { warn } from "../report.ts";
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
    const { containers, damaged } = listContainers(g.root);
    const byId = (a: { id: string }, b: { id: string }): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    if (format === "json") {
      const states = containers.map((c) => ociState(c.record, c.status));
      console.log(JSON.stringify([...states, ...damaged.map((d) => ({ id: d.id, status: "damaged", reason: d.reason }))].sort(byId)));
      return 0;
    }
    const rows = [
      ...containers.map((c) => ({ id: c.record.id, cells: [c.record.id, String(c.status === "stopped" ? 0 : c.record.pid), c.status, c.record.bundle, c.record.created, "root"] })),
      ...damaged.map((d) => ({ id: d.id, cells: [d.id, "0", "damaged", "-", "-", "root"] })),
    ].sort(byId);
    if (flagBool(a, "quiet")) for (const r of rows) console.log(r.id);
    else console.log(table(["ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"], rows.map((r) => r.cells)));
    for (const d of damaged) warn(g, `container '${d.id}' is damaged: ${d.reason}`);
    return 0;
  },
};
