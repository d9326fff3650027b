// The flags `create` and `run` share, as runc has them, and the options they become.
import type { FlagSpec, GlobalOptions, ParsedArgs } from "./command.ts";
import { consoleOption, flagString } from "./parse.ts";
import type { CreateOptions } from "../container/create.ts";
import { refuseSystemdDriver } from "../cgroups/systemd.ts";

export const CREATE_FLAGS: FlagSpec[] = [
  { name: "bundle", short: "b", kind: "string", value: "DIR", help: "bundle directory holding config.json (default: current directory)" },
  { name: "pid-file", kind: "string", value: "FILE", help: "write the container's host PID to FILE" },
  { name: "console-socket", kind: "string", value: "PATH", help: "unix socket that receives the pty master when process.terminal is true" },
  { name: "no-pivot", kind: "bool", help: "accepted for runc compatibility (bunker falls back from pivot_root by itself)" },
  { name: "no-new-keyring", kind: "bool", help: "accepted for runc compatibility" },
];

export const createOptions = (g: GlobalOptions, a: ParsedArgs): CreateOptions => {
  if (g.systemdCgroup) refuseSystemdDriver();
  return {
    root: g.root,
    journal: g.journal,
    id: a.positional[0]!,
    bundle: flagString(a, "bundle") ?? ".",
    pidFile: flagString(a, "pid-file"),
    ...consoleOption(flagString(a, "console-socket")),
  };
};
