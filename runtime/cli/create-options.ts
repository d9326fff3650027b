// The flags `create` and `run` share, as runc has them, and the options they become.
import type { FlagSpec, GlobalOptions, ParsedArgs } from "./command.ts";
import { consoleOption, flagList, flagString } from "./parse.ts";
import { NETWORK_ANNOTATIONS } from "../network/request.ts";
import type { CreateOptions } from "../container/create.ts";
import { refuseSystemdDriver } from "../cgroups/systemd.ts";

export const CREATE_FLAGS: FlagSpec[] = [
  { name: "bundle", short: "b", kind: "string", value: "DIR", help: "bundle directory holding config.json (default: current directory)" },
  { name: "pid-file", kind: "string", value: "FILE", help: "write the container's host PID to FILE" },
  { name: "console-socket", kind: "string", value: "PATH", help: "unix socket that receives the pty master when process.terminal is true" },
  { name: "network", kind: "string", value: "MODE", help: "none, host, bridge or a CNI network's name (the bunker.network annotation)" },
  {
    name: "publish", short: "p", kind: "list", value: "[IP:]HOST:CTR[/tcp|/udp]",
    help: "publish a container port on the host, bridge or a CNI network only (bunker.net.ports); repeatable",
  },
  { name: "no-pivot", kind: "bool", help: "accepted for runc compatibility (bunker falls back from pivot_root by itself)" },
  { name: "no-new-keyring", kind: "bool", help: "accepted for runc compatibility" },
];

/** The network flags as the annotations they stand for (over the config's). */
const flagAnnotations = (a: ParsedArgs): Record<string, string> | undefined => {
  const mode = flagString(a, "network");
  const ports = flagList(a, "publish");
  const out = { ...(mode !== undefined ? { [NETWORK_ANNOTATIONS.mode]: mode } : {}), ...(ports.length ? { [NETWORK_ANNOTATIONS.ports]: ports.join(",") } : {}) };
  return Object.keys(out).length ? out : undefined;
};

export const createOptions = (g: GlobalOptions, a: ParsedArgs): CreateOptions => {
  if (g.systemdCgroup) refuseSystemdDriver();
  const annotations = flagAnnotations(a);
  return {
    network: g.network,
    ...(annotations ? { annotations } : {}),
    root: g.root,
    journal: g.journal,
    id: a.positional[0]!,
    bundle: flagString(a, "bundle") ?? ".",
    pidFile: flagString(a, "pid-file"),
    ...consoleOption(flagString(a, "console-socket")),
  };
};
