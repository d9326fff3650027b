import { DEFAULT_JOURNAL_DIR, DEFAULT_ROOT } from "../container/journal-dir.ts";
import { DEFAULT_NETWORK_ENV } from "../network/env.ts";
import type { Command, FlagSpec } from "./command.ts";

export const globalFlags: FlagSpec[] = [
  { name: "root", kind: "string", value: "DIR", help: `directory for container state (default ${DEFAULT_ROOT})` },
  { name: "journal", kind: "string", value: "DIR|none", help: `state journal, or none to journal nothing (default ${DEFAULT_JOURNAL_DIR} for the default root; none for a root given with --root)` },
  { name: "network-dir", kind: "string", value: "DIR", help: `bunker's network state: CNI result cache, leases, the bridge list (default ${DEFAULT_NETWORK_ENV.dir})` },
  { name: "cni-config-dir", kind: "string", value: "DIR", help: `CNI config lists of named networks (default ${DEFAULT_NETWORK_ENV.configDir})` },
  { name: "cni-path", kind: "string", value: "DIRS", help: `CNI plugin directories, ':' between them (default ${DEFAULT_NETWORK_ENV.cniPath.join(":")})` },
  { name: "images", kind: "string", value: "DIR", help: "image store (default /var/lib/bunker/images)" },
  { name: "log", kind: "string", value: "FILE", help: "append errors and debug messages to FILE" },
  { name: "log-format", kind: "string", value: "text|json", help: "format of --log lines (default text)" },
  { name: "debug", kind: "bool", help: "print timestamped progress of every step (parent and setup stage) on stderr" },
  { name: "systemd-cgroup", kind: "bool", help: "systemd's cgroup driver, which bunker does not have: create and run refuse it" },
  { name: "version", kind: "bool", short: "v", help: "print the version" },
  { name: "help", kind: "bool", short: "h", help: "show help" },
];

const flagLines = (flags: readonly FlagSpec[]): string =>
  flags
    .map((f) => {
      const head = `${f.short ? `-${f.short}, ` : "    "}--${f.name}${f.kind === "bool" ? "" : ` ${f.value ?? "VALUE"}`}`;
      return `  ${head.padEnd(32)} ${f.help}`;
    })
    .join("\n");

export const helpText = (c: Command): string =>
  [
    `bunker ${c.name} - ${c.summary}`,
    "",
    `usage: bunker [global options] ${c.name}${c.flags.length ? " [options]" : ""} ${c.args}`.trimEnd(),
    ...(c.description ? ["", c.description] : []),
    ...(c.flags.length ? ["", "options:", flagLines(c.flags)] : []),
  ].join("\n");

export const mainHelp = (cmds: { name: string; summary: string }[]): string =>
  [
    "bunker - a minimal OCI container runtime for 64-bit ARM boards",
    "",
    "usage: bunker [global options] <command> [options] [arguments]",
    "",
    "commands:",
    ...cmds.map((c) => `  ${c.name.padEnd(12)} ${c.summary}`),
    "",
    "global options:",
    flagLines(globalFlags),
    "",
    "Exit status: 0 success, 1 failure, 2 usage error; a foreground run exits with the program's status (128+N if killed by signal N).",
  ].join("\n");
