// `bunker checkpoint inspect FILE [--json]`: decode any bunker state or checkpoint file.
import { inspectFile, type InspectReport } from "../../checkpoint/inspect.ts";
import type { Command } from "../command.ts";
import { UsageError } from "../command.ts";

const line = (r: InspectReport["records"][number]): string =>
  `  ${String(r.offset).padStart(8)}  ${r.seq !== undefined ? `#${r.seq} ` : ""}${r.type}${r.value === undefined ? "" : ` ${JSON.stringify(r.value)}`}`;

const text = (r: InspectReport): string =>
  [
    `${r.file}: bunker ${r.kind} file, format ${r.version}, ${r.size} bytes${r.kind === "journal" ? `, first change #${r.seq}` : r.kind === "snapshot" ? `, changes up to #${r.seq}` : ""}`,
    ...r.records.map(line),
    `  end: ${r.end}`,
  ].join("\n");

export const command: Command = {
  name: "checkpoint",
  summary: "inspect bunker state and checkpoint files",
  args: "inspect <file>",
  arity: [2, 2],
  flags: [{ name: "json", kind: "bool", help: "print the decoded file as JSON" }],
  description: "`inspect` decodes a state journal, a state snapshot or a container checkpoint file: every record with its offset and value, and how the file ends.",
  run(global, args) {
    const [sub, file] = args.positional as [string, string];
    if (sub !== "inspect") throw new UsageError(`'checkpoint' knows the subcommand 'inspect', not '${sub}'`);
    const report = inspectFile(file);
    console.log(global.json ? JSON.stringify(report, null, 2) : text(report));
    return 0;
  },
};
