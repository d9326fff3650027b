// `bunker spec`: write a starter config.json, as `runc spec` does.
import { resolve } from "node:path";
import { writeDefaultConfig } from "../../spec/default.ts";
import type { Command } from "../command.ts";
import { flagBool, flagString } from "../parse.ts";

export const command: Command = {
  name: "spec",
  summary: "write a default config.json into the bundle",
  args: "",
  arity: [0, 0],
  flags: [
    { name: "bundle", short: "b", kind: "string", value: "DIR", help: "bundle directory (default: the current one)" },
    { name: "rootless", kind: "bool", help: "a config for an unprivileged user: user namespace with the caller mapped to root" },
  ],
  description: "Refuses to overwrite an existing config.json.",
  run(_global, args) {
    const uid = process.geteuid?.() ?? 0;
    const gid = process.getegid?.() ?? 0;
    writeDefaultConfig(resolve(flagString(args, "bundle") ?? "."), { rootless: flagBool(args, "rootless"), uid, gid });
    return 0;
  },
};
