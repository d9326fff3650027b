// `bunker checkpoint ID [--process] [--file F] [--leave-running]` and `bunker checkpoint inspect FILE [--json]`.
import { checkpointContainer, DEFAULT_CHECKPOINT_STORE } from "../../checkpoint/checkpoint-container.ts";
import { inspectFile, type InspectReport } from "../../durable/inspect.ts";
import { openLockedJournal } from "../../container/journal.ts";
import type { Command, GlobalOptions, ParsedArgs } from "../command.ts";
import { UsageError } from "../command.ts";
import { flagBool, flagString, journalDir } from "../parse.ts";

const line = (r: InspectReport["records"][number]): string =>
  `  ${String(r.offset).padStart(8)}  ${r.seq !== undefined ? `#${r.seq} ` : ""}${r.type}${r.value === undefined ? "" : ` ${JSON.stringify(r.value)}`}`;

const text = (r: InspectReport): string =>
  [
    `${r.file}: bunker ${r.kind} file, format ${r.version}, ${r.size} bytes${r.kind === "journal" ? `, first change #${r.seq}` : r.kind === "snapshot" ? `, changes up to #${r.seq}` : ""}`,
    ...r.records.map(line),
    `  end: ${r.end}`,
  ].join("\n");

const inspect = (global: GlobalOptions, file: string): number => {
  const report = inspectFile(file);
  console.log(global.json ? JSON.stringify(report, null, 2) : text(report));
  return 0;
};

const checkpoint = async (global: GlobalOptions, id: string, args: ParsedArgs): Promise<number> => {
  const dir = journalDir(flagString(args, "journal"), global.journal);
  const journal = dir === null ? undefined : openLockedJournal(dir);
  try {
    const w = await checkpointContainer({
      root: global.root,
      id,
      file: flagString(args, "file"),
      store: flagString(args, "store") ?? DEFAULT_CHECKPOINT_STORE,
      leaveRunning: flagBool(args, "leave-running"),
      standalone: flagBool(args, "standalone"),
      processes: flagBool(args, "process"),
      ...(journal ? { journal } : {}),
    });
    if (global.json) console.log(JSON.stringify(w));
    else
      console.log(
        `${w.file}: ${w.fileBytes} bytes; ${w.entries} entries, ${w.treeBytes} bytes of data; ${w.chunks.written} chunks written, ${w.chunks.reused} already stored` +
          (w.processes ? `; processes dumped by CRIU in ${w.processes.dumpMs} ms (${w.processes.imageBytes} bytes of images)` : ""),
      );
    for (const s of w.skipped) process.stderr.write(`bunker: checkpoint '${id}': skipped ${s}\n`);
    return 0;
  } finally {
    journal?.close();
  }
};

export const command: Command = {
  name: "checkpoint",
  summary: "checkpoint a container's data to a file, or inspect bunker state and checkpoint files",
  args: "<container-id> | inspect <file>",
  arity: [1, 2],
  flags: [
    { name: "file", kind: "string", value: "FILE", help: "checkpoint file to write (default: STORE/ID-<unix ms>.bnkc)" },
    { name: "store", kind: "string", value: "DIR", help: `directory of checkpoint files sharing chunks (default ${DEFAULT_CHECKPOINT_STORE})` },
    { name: "process", kind: "bool", help: "also dump the running processes with CRIU, so that restore brings them back" },
    { name: "leave-running", kind: "bool", help: "thaw the container afterwards instead of stopping it" },
    { name: "standalone", kind: "bool", help: "write every chunk into the file, to restore it on another board" },
    { name: "journal", kind: "string", value: "DIR|none", help: "state journal directory, or none (default: the global --journal)" },
    { name: "json", kind: "bool", help: "print the result (or the decoded file) as JSON" },
  ],
  description:
    "`checkpoint ID` freezes the container, writes its config, state and writable trees (the rootfs, or the mounts listed in the annotation org.bunker.checkpoint.state) as content-addressed zstd chunks, then stops it or, with --leave-running, thaws it. With --process, CRIU also dumps its whole process tree in the same freeze and the images go into the same file: `restore` then brings back the running processes (needs CRIU and cgroup v2; `bunker board check` says whether this board can). `checkpoint inspect FILE` decodes a state journal, a state snapshot or a checkpoint file.",
  run(global, args) {
    const [first, second] = args.positional as [string, string | undefined];
    if (first === "inspect" && second !== undefined) return inspect(global, second);
    if (second !== undefined) throw new UsageError(`'checkpoint' takes one container ID, or 'inspect' and a file`);
    return checkpoint(global, first, args);
  },
};
