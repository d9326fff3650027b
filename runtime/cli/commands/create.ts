import type { Command } from "../command.ts";
import { consoleOption, flagString } from "../parse.ts";
import { createContainer } from "../../container/create.ts";

export const command: Command = {
  name: "create",
  summary: "create a container from a bundle; it waits for 'start'",
  args: "<container-id>",
  arity: [1, 1],
  flags: [
    { name: "bundle", short: "b", kind: "string", value: "DIR", help: "bundle directory holding config.json (default: current directory)" },
    { name: "pid-file", kind: "string", value: "FILE", help: "write the container's host PID to FILE" },
    { name: "console-socket", kind: "string", value: "PATH", help: "unix socket that receives the pty master when process.terminal is true" },
    { name: "no-pivot", kind: "bool", help: "accepted for runc compatibility (bunker falls back from pivot_root by itself)" },
    { name: "no-new-keyring", kind: "bool", help: "accepted for runc compatibility" },
  ],
  async run(g, a) {
    const created = await createContainer({
      root: g.root,
      journal: g.journal,
      id: a.positional[0]!,
      bundle: flagString(a, "bundle") ?? ".",
      pidFile: flagString(a, "pid-file"),
      ...consoleOption(flagString(a, "console-socket")),
    });
    created.stage.channel.close();
    created.stage.proc.unref();
    return 0;
  },
};
