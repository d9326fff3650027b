import type { Command } from "../command.ts";
import { CREATE_FLAGS, createOptions } from "../create-options.ts";
import { createContainer } from "../../container/create.ts";

export const command: Command = {
  name: "create",
  summary: "create a container from a bundle; it waits for 'start'",
  args: "<container-id>",
  arity: [1, 1],
  flags: CREATE_FLAGS,
  async run(g, a) {
    const created = await createContainer(createOptions(g, a));
    created.stage.channel.close();
    created.stage.proc.unref();
    return 0;
  },
};
