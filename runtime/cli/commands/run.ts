import type { Command } from "../command.ts";
import { consoleOption, flagBool, flagString } from "../parse.ts";
import { runContainer } from "../../container/run.ts";
import { warn } from "../report.ts";

export const command: Command = {
  name: "run",
  summary: "create and start a container; in the foreground, wait for it and delete it",
  args: "<container-id>",
  arity: [1, 1],
  description: "The exit status is the program's, or 128+N when signal N killed it. SIGINT, SIGTERM, SIGHUP, SIGQUIT,\nSIGUSR1, SIGUSR2 and SIGWINCH are forwarded to the container while it runs in the foreground.",
  flags: [
    { name: "bundle", short: "b", kind: "string", value: "DIR", help: "bundle directory holding config.json (default: current directory)" },
    { name: "detach", short: "d", kind: "bool", help: "do not wait: the container is reparented to the caller's subreaper" },
    { name: "pid-file", kind: "string", value: "FILE", help: "write the container's host PID to FILE" },
    { name: "console-socket", kind: "string", value: "PATH", help: "unix socket that receives the pty master when process.terminal is true" },
    { name: "no-pivot", kind: "bool", help: "accepted for runc compatibility" },
    { name: "no-new-keyring", kind: "bool", help: "accepted for runc compatibility" },
  ],
  run(g, a) {
    return runContainer(
      {
        root: g.root,
        journal: g.journal,
        id: a.positional[0]!,
        bundle: flagString(a, "bundle") ?? ".",
        pidFile: flagString(a, "pid-file"),
        ...consoleOption(flagString(a, "console-socket")),
        detach: flagBool(a, "detach"),
      },
      (m) => warn(g, m),
    );
  },
};
