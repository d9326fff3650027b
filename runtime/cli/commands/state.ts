import type { Command } from "../command.ts";
import { readRecord } from "../../container/record.ts";
import { ociState, statusOf } from "../../container/status.ts";
import { networkView } from "../../container/network.ts";

export const command: Command = {
  name: "state",
  summary: "print the OCI state of a container as JSON",
  args: "<container-id>",
  arity: [1, 1],
  flags: [],
  run(g, a) {
    const rec = readRecord(g.root, a.positional[0]!);
    // bunker's own field beside the OCI ones, as runc adds its own: what the container's network is.
    const network = networkView(rec);
    console.log(JSON.stringify({ ...ociState(rec, statusOf(g.root, rec)), ...(network ? { network } : {}) }, null, 2));
    return 0;
  },
};
