import type { Command } from "../command.ts";
import { CREATE_FLAGS, createOptions } from "../create-options.ts";
import { flagBool } from "../parse.ts";
import { runContainer } from "../../container/run.ts";
import { warn } from "../report.ts";

export const command: Command = {
  name: "run",
  summary: "create and start a container; in the foreground, wait for it and delete it",
  args: "<container-id>",
  arity: [1, 1],
  description:
    "The exit status is the program's, or 128+N when signal N killed it. SIGINT, SIGTERM, SIGHUP, SIGQUIT,\n" +
    "SIGUSR1, SIGUSR2 and SIGWINCH are forwarded to the container while it runs in the foreground. With\n" +
    "process.terminal and no --console-socket, the container's terminal is joined to bunker's own stdio.",
  flags: [...CREATE_FLAGS, { name: "detach", short: "d", kind: "bool", help: "do not wait: the container is reparented to the caller's subreaper" }],
  run(g, a) {
    return runContainer({ ...createOptions(g, a), detach: flagBool(a, "detach") }, (m) => warn(g, m));
  },
};
