// A recording fake of what the container operations reach the host through (runtime/container/env.ts): every call
// is logged as "group.method" with its arguments and answered by what the test scripted; a call the test did not
// script throws, naming it. The pieces an operation gets back (a cgroup manager, a setup stage, a lock, a start
// socket, a process handle) log into the same list.
import type { CgroupManager } from "../../../runtime/cgroups/manager.ts";
import type { ContainerEnv, Link } from "../../../runtime/container/env.ts";
import type { ContainerNetwork } from "../../../runtime/container/network.ts";
import type { ProcessHandle } from "../../../runtime/process/process-handle.ts";
import type { StageProcess } from "../../../runtime/process/spawn-stage.ts";

export interface EnvCall {
  name: string;
  args: unknown[];
}

export type EnvScript = { [G in keyof ContainerEnv]?: Partial<ContainerEnv[G]> };

export interface EnvRecorder {
  env: ContainerEnv;
  calls: EnvCall[];
  /** Calls by name only, in order. */
  names(): string[];
  /** Logs a call of one of the pieces (cgroup, stage, lock...) and runs `fn`. */
  log<T>(name: string, args: unknown[], fn?: () => T): T;
}

export const recordingEnv = (script: EnvScript): EnvRecorder => {
  const calls: EnvCall[] = [];
  const log = <T>(name: string, args: unknown[], fn?: () => T): T => {
    calls.push({ name, args });
    return fn ? fn() : (undefined as T);
  };
  const env = new Proxy({} as ContainerEnv, {
    get: (_, group: string) =>
      new Proxy({}, {
        get: (__, method: string) =>
          (...args: unknown[]) => {
            const impl = (script as Record<string, Record<string, ((...a: unknown[]) => unknown) | undefined> | undefined>)[group]?.[method];
            calls.push({ name: `${group}.${method}`, args });
            if (!impl) throw new Error(`Unexpected call in test: '${group}.${method}'`);
            return impl(...args);
          },
      }),
  });
  return { env, calls, names: () => calls.map((c) => c.name), log };
};

/** A cgroup manager that logs "cgroup.<method>"; methods not given throw when called. */
export const fakeCgroup = (r: EnvRecorder, over: Partial<CgroupManager> = {}): CgroupManager => {
  const given: Partial<CgroupManager> = { layout: "v1", path: "t", ...over };
  return new Proxy({} as CgroupManager, {
    get: (_, prop: string) => {
      const v = (given as Record<string, unknown>)[prop];
      if (prop === "layout" || prop === "path") return v;
      if (typeof v !== "function") throw new Error(`Unexpected cgroup call in test: '${prop}'`);
      return (...args: unknown[]) => r.log(`cgroup.${prop}`, args, () => (v as (...a: unknown[]) => unknown)(...args));
    },
  });
};

/**
 * A setup stage that says `lines` in order, then end of file. It "exits" with `exitCode` once killed, or at once when
 * `exited` is true; what the parent sends it is logged as "stage.send" with the decoded message.
 */
export const fakeStage = (r: EnvRecorder, pid: number, lines: string[], opts: { exitCode?: number; exited?: boolean } = {}): StageProcess => {
  let exit!: (code: number) => void;
  const exited = new Promise<number>((resolve) => (exit = resolve));
  if (opts.exited) exit(opts.exitCode ?? 0);
  const proc = {
    pid,
    exited,
    exitCode: opts.exitCode ?? 0,
    signalCode: null,
    kill: (signal: number) => r.log("stage.kill", [signal], () => exit(128 + signal)),
    unref: () => r.log("stage.unref", []),
  };
  const channel = {
    send: (data: Uint8Array) => r.log("stage.send", [JSON.parse(Buffer.from(data).toString())]),
    sendWithFds: (data: Uint8Array, fds: number[]) => r.log("stage.send", [JSON.parse(Buffer.from(data).toString()), fds]),
    receive: () => lines.shift(),
    close: () => r.log("stage.close", []),
  };
  return { proc, channel } as unknown as StageProcess;
};

/** A start socket on which the stage says `lines`, then closes. */
export const fakeLink = (r: EnvRecorder, lines: string[]): Link => ({
  send: (line) => r.log("link.send", [line]),
  receive: () => lines.shift(),
  close: () => r.log("link.close", []),
});

export const fakeLock = (r: EnvRecorder) => ({ release: () => r.log("lock.release", []) });

/** A process held by a pidfd: signals are logged as "process.signal" with the PID. */
export const fakeHandle = (r: EnvRecorder, pid: number): ProcessHandle => ({
  pid,
  signal: (s) => r.log("process.signal", [pid, s], () => true),
  close: () => r.log("process.close", [pid]),
});

/** The network of a container that asks for none: its config unchanged, nothing attached; a release is logged in the
 * recorder `r` gives (a getter: the script is written before the recorder exists). */
export const noNetwork = (r: () => EnvRecorder): Partial<ContainerEnv["network"]> => ({
  prepare: (config) => ({ prepared: { config } }) as ContainerNetwork,
  connect: () => ({ release: () => r().log("network.release", []) }),
  disconnect: () => {},
});
