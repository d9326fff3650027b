import type { Command } from "../command.ts";
import { flagBool } from "../parse.ts";
import { deleteContainer } from "../../container/delete.ts";
import { warn } from "../report.ts";

export const command: Command = {
  name: "delete",
  summary: "delete a stopped or created container (with --force also a running one)",
  args: "<container-id>",
  arity: [1, 1],
  flags: [{ name: "force", short: "f", kind: "bool", help: "kill the container's processes first if it still runs" }],
  async run(g, a) {
    await deleteContainer(g.root, a.positional[0]!, { force: flagBool(a, "force"), journal: g.journal }, (m) => warn(g, m));
    return 0;
  },
};
