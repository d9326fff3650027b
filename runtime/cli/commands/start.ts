import type { Command } from "../command.ts";
import { startContainer } from "../../container/start.ts";
import { warn } from "../report.ts";

export const command: Command = {
  name: "start",
  summary: "start the program of a created container",
  args: "<container-id>",
  arity: [1, 1],
  flags: [],
  run(g, a) {
    startContainer(g.root, a.positional[0]!, g.journal, (m) => warn(g, m));
    return 0;
  },
};
