import type { Command } from "../command.ts";
import { CREATE_FLAGS, createOptions } from "../create-options.ts";
import { IMAGE_FLAGS, imageRequest } from "../image-flags.ts";
import { flagBool } from "../parse.ts";
import { runContainer } from "../../container/run.ts";
import { warn } from "../report.ts";

export const command: Command = {
  name: "run",
  summary: "create and start a container (from a bundle, or an image with --image); in the foreground, wait for it and delete it",
  args: "<container-id> [command [args...]]",
  arity: [1, -1],
  stopAtPositional: true,
  description:
    "The exit status is the program's, or 128+N when signal N killed it. SIGINT, SIGTERM, SIGHUP, SIGQUIT,\n" +
    "SIGUSR1, SIGUSR2 and SIGWINCH are forwarded to the container while it runs in the foreground. With\n" +
    "process.terminal and no --console-socket, the container's terminal is joined to bunker's own stdio.\n" +
    "With --image REF the bundle is made from the image (see 'create'); a foreground run removes it afterwards.",
  flags: [...CREATE_FLAGS, ...IMAGE_FLAGS, { name: "detach", short: "d", kind: "bool", help: "do not wait: the container is reparented to the caller's subreaper" }],
  async run(g, a) {
    const detach = flagBool(a, "detach");
    const image = imageRequest(g, a, "run");
    if (!image) return runContainer({ ...createOptions(g, a), detach }, (m) => warn(g, m));
    const { withImage, releaseRoot } = await import("../image-container.ts");
    const status = await withImage(g, image, (root) => runContainer({ ...createOptions(g, a), bundle: root.bundle, detach }, (m) => warn(g, m)));
    if (!detach) releaseRoot(g, image.images, image.id);
    return status;
  },
};
