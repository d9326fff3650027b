import { statsRows, type DamagedRow, type StatsRow } from "../../container/stats.ts";
import type { Command } from "../command.ts";
import { flagBool } from "../parse.ts";
import { warn } from "../report.ts";
import { table } from "../table.ts";

const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)}MiB`;

const row = (r: StatsRow | DamagedRow): string[] => ("reason" in r ? [r.id, r.status, "-", "-", "-", "-", "-"] : [
  r.id,
  r.status,
  `${r.cpuSeconds.toFixed(2)}s`,
  `${mib(r.memoryBytes)} / ${r.memoryLimitBytes === null ? "unlimited" : mib(r.memoryLimitBytes)}`,
  r.memoryLimitBytes === null ? "-" : `${((100 * r.memoryBytes) / r.memoryLimitBytes).toFixed(1)}%`,
  String(r.pids),
  String(r.oomKills),
]);

export const command: Command = {
  name: "stats",
  summary: "show CPU, memory, PIDs and OOM kills of containers (all that have a cgroup when none is named)",
  args: "[<container-id>...]",
  arity: [0, -1],
  flags: [{ name: "json", kind: "bool", help: "print a JSON array instead of a table" }],
  run(g, a) {
    const rows = statsRows(g.root, a.positional);
    if (flagBool(a, "json") || g.json) console.log(JSON.stringify(rows));
    else {
      console.log(table(["ID", "STATUS", "CPU", "MEM USAGE / LIMIT", "MEM %", "PIDS", "OOM KILLS"], rows.map(row)));
      for (const r of rows) if ("reason" in r) warn(g, `container '${r.id}' is damaged: ${r.reason}`);
    }
    return 0;
  },
};
