import { pauseContainer } from "../../container/pause.ts";
import type { Command } from "../command.ts";

export const command: Command = {
  name: "pause",
  summary: "freeze every process of a running container (resume thaws it)",
  args: "<container-id>",
  arity: [1, 1],
  flags: [],
  async run(g, a) {
    await pauseContainer(g.root, a.positional[0]!);
    return 0;
  },
};
