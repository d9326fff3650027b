import { writeFileAtomic } from "../../durable/atomic-file.ts";
import type { Command } from "../command.ts";
import { UsageError } from "../command.ts";
import { flagBool, flagList, flagString } from "../parse.ts";
import { execInContainer, execProcess } from "../../container/exec.ts";
import { waitForeground } from "../../container/wait.ts";
import { readRecord } from "../../container/record.ts";
import { parseProcess, type Config, type Process } from "../../spec/config.ts";
import { ID_MAX } from "../../spec/integers.ts";
import { readJsonFile } from "../../spec/json-text.ts";

const parseId = (flag: string, what: string, text: string): number => {
  const n = Number(text);
  if (!(n <= ID_MAX)) throw new UsageError(`${flag}: ${what} ${text} is out of range (0 to ${ID_MAX})`);
  return n;
};

const parseUser = (spec: string): { uid: number; gid?: number } => {
  const m = /^(\d+)(?::(\d+))?$/.exec(spec);
  if (!m) throw new UsageError(`--user takes UID[:GID] as numbers, not '${spec}'`);
  return { uid: parseId("--user", "uid", m[1]!), ...(m[2] === undefined ? {} : { gid: parseId("--user", "gid", m[2]) }) };
};

const parseGid = (text: string): number => {
  if (!/^\d+$/.test(text)) throw new UsageError(`--additional-gids takes numbers, not '${text}'`);
  return parseId("--additional-gids", "gid", text);
};

export const command: Command = {
  name: "exec",
  summary: "run a new process inside a running container",
  args: "<container-id> [command [args...]]",
  arity: [1, -1],
  stopAtPositional: true,
  description: "Either --process FILE (an OCI process JSON) or a command. The process joins every namespace of the\ncontainer and its cgroup; unset fields come from the container's config.",
  flags: [
    { name: "process", short: "p", kind: "string", value: "FILE", help: "OCI process JSON to run ('-' for stdin)" },
    { name: "detach", short: "d", kind: "bool", help: "do not wait for the process" },
    { name: "tty", short: "t", kind: "bool", help: "allocate a pty: joined to this terminal, or sent to --console-socket" },
    { name: "console-socket", kind: "string", value: "PATH", help: "unix socket that receives the pty master" },
    { name: "cwd", kind: "string", value: "DIR", help: "working directory inside the container" },
    { name: "env", short: "e", kind: "list", value: "KEY=VALUE", help: "add an environment variable (repeatable)" },
    { name: "user", short: "u", kind: "string", value: "UID[:GID]", help: "run as this user" },
    { name: "additional-gids", short: "g", kind: "list", value: "GID", help: "add a supplementary group (repeatable)" },
    { name: "cap", short: "c", kind: "list", value: "CAP", help: "add a capability to all sets (repeatable)" },
    { name: "no-new-privs", kind: "bool", help: "set no_new_privs for the process" },
    { name: "pid-file", kind: "string", value: "FILE", help: "write the process's host PID to FILE" },
  ],
  async run(g, a) {
    const [id, ...argv] = a.positional as [string, ...string[]];
    const config = readRecord(g.root, id).config as Config;
    let proc: Process;
    const file = flagString(a, "process");
    if (file !== undefined) {
      if (argv.length) throw new UsageError("Give either --process or a command, not both");
      proc = parseProcess(readJsonFile(file === "-" ? 0 : file, "process.json", "the process"));
    } else {
      if (!argv.length) throw new UsageError("Give a command to run or --process FILE");
      const user = flagString(a, "user");
      const base = config.process;
      const caps = flagList(a, "cap");
      const gids = flagList(a, "additional-gids").map(parseGid);
      proc = execProcess(config, {
        args: argv,
        terminal: flagBool(a, "tty"),
        cwd: flagString(a, "cwd") ?? base.cwd,
        extraEnv: flagList(a, "env"),
        ...(user || gids.length ? { user: { ...base.user, ...(user ? parseUser(user) : {}), ...(gids.length ? { additionalGids: gids } : {}) } } : {}),
        ...(flagBool(a, "no-new-privs") ? { noNewPrivileges: true } : {}),
        ...(caps.length
          ? {
              capabilities: Object.fromEntries(
                (["bounding", "effective", "permitted", "inheritable", "ambient"] as const).map((s) => [s, [...(base.capabilities?.[s] ?? []), ...caps]]),
              ),
            }
          : {}),
      });
    }
    const detach = flagBool(a, "detach");
    const socket = flagString(a, "console-socket");
    const execed = await execInContainer({ root: g.root, id, process: proc, detach, console: socket ? { path: socket } : detach ? undefined : "foreground" });
    const pidFile = flagString(a, "pid-file");
    if (pidFile) writeFileAtomic(pidFile, String(execed.pid));
    if (detach) return 0;
    const terminal = execed.console?.attach();
    const status = await waitForeground(execed.pid, execed.exited());
    terminal?.stop();
    return status;
  },
};
