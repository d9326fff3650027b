// What the engine cases need from an engine, whatever its client: each engine implements it with its own commands.
// An operation the engine's client does not offer throws; the suite is told so and defines no case for it.
import type { Output } from "../support/engines/command.ts";
import type { Runtime } from "../support/engines/runtimes.ts";

export interface RunOptions {
  /** A terminal for the process (`-t`). */
  tty?: boolean;
  /** Memory limit in bytes (swap limited to the same, so that the limit is the limit). */
  memory?: number;
}

export interface Stats {
  memoryUsage: number;
  memoryLimit: number;
  pids: number;
}

export interface Engine {
  readonly name: string;
  /** The cgroup path below which the engine puts its containers. */
  readonly cgroupParent: string;
  /** Runs a container in the foreground to its end and removes it. */
  run(rt: Runtime, name: string, cmd: string[], opts?: RunOptions): Output;
  /** Starts a container detached; returns its init's pid on the host once it runs. */
  start(rt: Runtime, name: string, cmd: string[], opts?: RunOptions): number;
  exec(rt: Runtime, name: string, cmd: string[]): Output;
  kill(rt: Runtime, name: string, signal: string): Output;
  /** The exit status once the container's init has ended. */
  wait(rt: Runtime, name: string): Promise<number>;
  /** Stop with a grace period, then SIGKILL. */
  stop(rt: Runtime, name: string, graceSeconds: number): Output;
  pause(rt: Runtime, name: string): Output;
  resume(rt: Runtime, name: string): Output;
  /** "running", "paused" or "exited". */
  status(rt: Runtime, name: string): string;
  update(rt: Runtime, name: string, memory: number): Output;
  stats(rt: Runtime, name: string): Promise<Stats>;
  /** Whether the engine reported the ended container as killed by the OOM killer. */
  oomKilled(rt: Runtime, name: string): Promise<boolean>;
  remove(rt: Runtime, name: string): Output;
  /** The runtime's state directory for the container (gone once it is removed). */
  stateDir(rt: Runtime, name: string): string;
  /** Stops the engine's daemons and lists what was left behind (then removed). */
  teardown(): Promise<string[]>;
}
