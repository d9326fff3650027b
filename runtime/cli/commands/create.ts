import type { Command } from "../command.ts";
import { CREATE_FLAGS, createOptions } from "../create-options.ts";
import { IMAGE_FLAGS, imageRequest } from "../image-flags.ts";
import { createContainer } from "../../container/create.ts";

export const command: Command = {
  name: "create",
  summary: "create a container from a bundle, or from an image with --image; it waits for 'start'",
  args: "<container-id> [command [args...]]",
  arity: [1, -1],
  stopAtPositional: true,
  flags: [...CREATE_FLAGS, ...IMAGE_FLAGS],
  description:
    "With --image REF the bundle is made in the image store from the image's config (entrypoint, cmd, env, user,\n" +
    "working dir, volumes, labels); a command after the ID replaces the image's Cmd. 'delete' removes it again.",
  async run(g, a) {
    const image = imageRequest(g, a, "create");
    const created = image
      ? await (await import("../image-container.ts")).withImage(g, image, (root) => createContainer({ ...createOptions(g, a), bundle: root.bundle }))
      : await createContainer(createOptions(g, a));
    created.stage.channel.close();
    created.stage.proc.unref();
    return 0;
  },
};
