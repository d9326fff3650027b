// The engine cases through Docker's client and podman's, which take the same commands: what differs (how the runtime
// is chosen, where its state lives, how the exact figures are read) is the flavour each engine passes in.
import type { Output } from "../support/engines/command.ts";
import type { Runtime } from "../support/engines/runtimes.ts";
import type { Engine, Stats } from "./engine.ts";

export interface CliFlavour {
  name: string;
  cgroupParent: string;
  image: string;
  /** The client with `args`, choosing `rt` where the engine wants it chosen. */
  cli(rt: Runtime, args: string[]): Output;
  /** Options of `run` besides name, terminal and memory. */
  runOptions(rt: Runtime): string[];
  /** Removing a container whatever its state, at once (podman's `rm --force` would wait its stop timeout first). */
  removeCommand: string[];
  /** The engine's exact figures (the formatted `stats` output is rounded). */
  stats(rt: Runtime, name: string): Promise<Stats>;
  /** Where the runtime keeps the state of the container with this full ID. */
  stateDir(rt: Runtime, id: string): string;
  teardown(): Promise<string[]>;
}

export const cliEngine = (f: CliFlavour): Engine => {
  const inspect = (rt: Runtime, name: string, format: string): string => f.cli(rt, ["inspect", "--format", format, name]).stdout.trim();
  const runFlags = (rt: Runtime, name: string, opts: { tty?: boolean; memory?: number }): string[] => [
    "--name", name,
    ...f.runOptions(rt),
    ...(opts.tty ? ["-t"] : []),
    ...(opts.memory ? ["--memory", String(opts.memory), "--memory-swap", String(opts.memory)] : []),
  ];
  return {
    name: f.name,
    cgroupParent: f.cgroupParent,
    run: (rt, name, cmd, opts = {}) => f.cli(rt, ["run", "--rm", ...runFlags(rt, name, opts), f.image, ...cmd]),
    start: (rt, name, cmd, opts = {}) => {
      const r = f.cli(rt, ["run", "-d", ...runFlags(rt, name, opts), f.image, ...cmd]);
      if (r.code !== 0) throw new Error(`${f.name} run -d ${name} exited ${r.code}: ${r.stderr.trim()}`);
      return Number(inspect(rt, name, "{{.State.Pid}}"));
    },
    exec: (rt, name, cmd) => f.cli(rt, ["exec", name, ...cmd]),
    kill: (rt, name, signal) => f.cli(rt, ["kill", "--signal", signal, name]),
    wait: async (rt, name) => {
      const r = f.cli(rt, ["wait", name]);
      return r.code === 0 ? Number(r.stdout.trim()) : Number.NaN;
    },
    stop: (rt, name, grace) => f.cli(rt, ["stop", "--time", String(grace), name]),
    pause: (rt, name) => f.cli(rt, ["pause", name]),
    resume: (rt, name) => f.cli(rt, ["unpause", name]),
    status: (rt, name) => inspect(rt, name, "{{.State.Status}}"),
    update: (rt, name, memory) => f.cli(rt, ["update", "--memory", String(memory), "--memory-swap", String(memory), name]),
    stats: (rt, name) => f.stats(rt, name),
    oomKilled: async (rt, name) => inspect(rt, name, "{{.State.OOMKilled}}") === "true",
    remove: (rt, name) => f.cli(rt, [...f.removeCommand, name]),
    stateDir: (rt, name) => f.stateDir(rt, inspect(rt, name, "{{.Id}}")),
    teardown: () => f.teardown(),
  };
};
