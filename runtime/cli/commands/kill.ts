import type { Command } from "../command.ts";
import { flagBool } from "../parse.ts";
import { signalContainer } from "../../container/signal.ts";
import { parseSignal } from "../../spec/signals.ts";

export const command: Command = {
  name: "kill",
  summary: "send a signal (default SIGTERM) to a container's process, or with --all to all of its processes",
  args: "<container-id> [signal]",
  arity: [1, 2],
  flags: [{ name: "all", short: "a", kind: "bool", help: "signal every process in the container's cgroup" }],
  run(g, a) {
    signalContainer(g.root, a.positional[0]!, parseSignal(a.positional[1] ?? "SIGTERM"), flagBool(a, "all"));
    return 0;
  },
};
