import type { Command } from "../command.ts";
import { readRecord } from "../../container/record.ts";
import { ociState, statusOf } from "../../container/status.ts";

export const command: Command = {
  name: "state",
  summary: "print the OCI state of a container as JSON",
  args: "<container-id>",
  arity: [1, 1],
  flags: [],
  run(g, a) {
    const rec = readRecord(g.root, a.positional[0]!);
    console.log(JSON.stringify(ociState(rec, statusOf(g.root, rec)), null, 2));
    return 0;
  },
};
