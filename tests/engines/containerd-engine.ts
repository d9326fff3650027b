// The engine cases through containerd's own client: `ctr run --runc-binary` with a state root per runtime, exits
// and OOM kills read from `ctr events`, figures from `ctr task metrics`.
import { join } from "node:path";
import { sh } from "../support/engines/command.ts";
import { NAMESPACE, startContainerd } from "../support/engines/containerd.ts";
import { followEvents } from "../support/engines/containerd-events.ts";
import { QUALIFIED_IMAGE } from "../support/engines/image.ts";
import type { Runtime } from "../support/engines/runtimes.ts";
import type { Engine, RunOptions } from "./engine.ts";
import { prepareHost } from "./host.ts";

export const CONTAINERD_UNSUPPORTED = {
  stop: "ctr 1.6 has no stop (kill is what it offers, and the kill case covers it)",
  update: "ctr 1.6 has no task update (Docker's update reaches the same shim through containerd's task API)",
};

/** A command line for `script`, which gives ctr the terminal that `ctr run -t` insists on. */
const shellQuote = (argv: string[]): string => argv.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ");

export const containerdEngine = async (): Promise<Engine> => {
  const host = prepareHost("containerd");
  const containerd = await startContainerd(join(host.base, "containerd")).catch(async (e) => {
    await host.teardown([]);
    throw e;
  });
  const events = followEvents(containerd.ctrArgv(["events"]));
  const imported = containerd.ctr(["image", "import", host.archive]);
  const runcRoot = (rt: Runtime): string => join(host.base, "runc-root", rt.name);
  const runArgs = (rt: Runtime, name: string, opts: RunOptions): string[] => [
    "run",
    "--runc-binary", rt.path,
    "--runc-root", runcRoot(rt),
    "--cgroup", `${host.cgroups.path}/${name}`,
    "--fifo-dir", join(host.base, "fifo"),
    ...(opts.memory ? ["--memory-limit", String(opts.memory)] : []),
  ];
  const task = (name: string): { pid: number; status: string } | undefined => {
    const row = containerd
      .ctr(["task", "ls"])
      .stdout.split("\n")
      .map((l) => l.trim().split(/\s+/))
      .find((cols) => cols[0] === name);
    return row && { pid: Number(row[1]), status: row[2]!.toLowerCase() };
  };
  let execs = 0;
  const notOffered = (why: string) => (): never => {
    throw new Error(why);
  };

  const engine: Engine = {
    name: "containerd",
    cgroupParent: host.cgroups.path,
    run: (rt, name, cmd, opts = {}) => {
      const argv = containerd.ctrArgv([...runArgs(rt, name, opts), "--rm", ...(opts.tty ? ["-t"] : []), QUALIFIED_IMAGE, name, ...cmd]);
      return opts.tty ? sh(["script", "-qec", shellQuote(argv), "/dev/null"]) : sh(argv);
    },
    start: (rt, name, cmd, opts = {}) => {
      const r = containerd.ctr([...runArgs(rt, name, opts), "-d", QUALIFIED_IMAGE, name, ...cmd]);
      if (r.code !== 0) throw new Error(`ctr run -d ${name} exited ${r.code}: ${r.stderr.trim()}`);
      return task(name)?.pid ?? 0;
    },
    exec: (_rt, name, cmd) => containerd.ctr(["task", "exec", "--exec-id", `exec-${++execs}`, name, ...cmd]),
    kill: (_rt, name, signal) => containerd.ctr(["task", "kill", "--signal", signal, name]),
    wait: async (_rt, name) => {
      const e = await events.next((e) => e.topic === "/tasks/exit" && e.data.container_id === name && e.data.id === name, 60_000);
      return e ? Number(e.data.exit_status ?? 0) : Number.NaN;
    },
    stop: notOffered(CONTAINERD_UNSUPPORTED.stop),
    pause: (_rt, name) => containerd.ctr(["task", "pause", name]),
    resume: (_rt, name) => containerd.ctr(["task", "resume", name]),
    status: (_rt, name) => {
      const s = task(name)?.status ?? "missing";
      return s === "stopped" ? "exited" : s;
    },
    update: notOffered(CONTAINERD_UNSUPPORTED.update),
    stats: async (_rt, name) => {
      const r = containerd.ctr(["task", "metrics", "--format", "json", name]);
      if (r.code !== 0) throw new Error(`ctr task metrics ${name} exited ${r.code}: ${r.stderr.trim()}`);
      const m = JSON.parse(r.stdout);
      return { memoryUsage: m.memory?.usage?.usage ?? 0, memoryLimit: m.memory?.usage?.limit ?? 0, pids: m.pids?.current ?? 0 };
    },
    // The OOM event comes from the shim's watch of the cgroup it read at create, independently of the exit.
    oomKilled: async (_rt, name) => !!(await events.next((e) => e.topic === "/tasks/oom" && e.data.container_id === name, 3_000)),
    remove: (_rt, name) => {
      containerd.ctr(["task", "rm", "--force", name]);
      return containerd.ctr(["container", "rm", name]);
    },
    stateDir: (rt, name) => join(runcRoot(rt), NAMESPACE, name),
    teardown: async () => {
      await events.close();
      return host.teardown([containerd]);
    },
  };
  if (imported.code !== 0) {
    const left = await engine.teardown();
    throw new Error(`ctr image import exited ${imported.code}: ${imported.stderr.trim()}${left.length ? ` (left behind: ${left.join("; ")})` : ""}`);
  }
  return engine;
};
