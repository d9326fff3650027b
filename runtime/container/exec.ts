// `exec`: a new process in a running container, made by a setup stage that joins its namespaces and cgroup.
import { buildExecPlan } from "../process/build-exec-plan.ts";
import { personalityOf } from "../process/build-plan.ts";
import { EARLY_ENV, earlySteps, encodeEarly } from "../process/early.ts";
import { planPlacement } from "../process/cgroup-placement.ts";
import { consoleFor, type ConsolePair, type ConsoleRequest } from "./console.ts";
import { encode } from "../process/messages.ts";
import { decodeStage } from "../process/stage-messages.ts";
import { parseProcess, type Config, type Process } from "../spec/config.ts";
import { StageFailedError } from "./stage-failed.ts";
import { namespacePath } from "../spec/namespaces.ts";
import { hostEnv, type ContainerEnv } from "./env.ts";
import { unwind } from "./unwind.ts";
import { ociState, requireStatus } from "./status.ts";
import type { ProcessHandle } from "../process/process-handle.ts";

export interface ExecOptions {
  root: string;
  id: string;
  process: Process;
  /** Where the terminal's master goes when process.terminal is true (see create.ts). */
  console?: ConsoleRequest;
  /** Do not wait for the program: it is not made our child. */
  detach: boolean;
  /** The process's stdin, stdout and stderr (a health check's); default: the caller's own. */
  stdio?: [stdin: number, stdout: number, stderr: number];
}

/** The container's own process settings with the caller's overrides on top (runc's exec defaults). */
export const execProcess = (config: Config, overrides: Partial<Process> & { extraEnv?: string[] }): Process => {
  const base = config.process;
  const { extraEnv = [], ...rest } = overrides;
  return { ...base, terminal: false, ...rest, env: [...(rest.env ?? base.env ?? []), ...extraEnv] } as Process;
};

export interface Execed {
  /** Host PID of the program. */
  pid: number;
  /** Resolves with its exit status (128 + N for signal N); only for a caller that did not detach. */
  exited(): Promise<number>;
  console?: ConsolePair;
}

/**
 * The exec stage starts in the host's PID namespace, joins the container's namespaces (the mount namespace first)
 * and spawns the program into its PID namespace: bunker is never visible inside the container. The stage exits
 * right after, and the program comes to us to wait for, as to a subreaper (unless we detach).
 */
export const execInContainer = async (opts: ExecOptions, env: ContainerEnv = hostEnv): Promise<Execed> => {
  // Whatever it was made from (process.json, the flags over the container's own process), it meets the same rules.
  const proc = parseProcess(opts.process, "exec process");
  const rec = env.state.read(opts.root, opts.id);
  const status = requireStatus(opts.root, rec, ["created", "running"], "exec in", env);
  const config = rec.config as Config;
  // A created container's process is its setup stage, which may have joined a PID namespace for its children only.
  const namespaces = (config.linux?.namespaces ?? []).map((n) => ({
    type: n.type,
    path: n.type === "pid" && status === "created" ? `/proc/${rec.pid}/ns/pid_for_children` : namespacePath(rec.pid, n.type),
  }));
  if (proc.terminal && !opts.console) throw new Error("A terminal needs --console-socket when exec detaches");
  if (!opts.detach) env.processes.becomeSubreaper();
  // Started first: it loads while the cgroup files are opened and the plan is made.
  const stage = env.stages.spawn({ pid: null, stageName: "exec", env: { [EARLY_ENV]: encodeEarly(earlySteps(namespaces)) }, oomScoreAdj: proc.oomScoreAdj, ...(opts.stdio ? { stdio: opts.stdio } : {}) });
  const cleanups: (() => unknown)[] = [
    async () => {
      stage.proc.kill(9);
      await stage.proc.exited;
    },
  ];
  try {
    const procsFiles = env.cgroups.manager({ cgroupsPath: rec.cgroupsPath, id: rec.id }).procsFiles();
    const terminal = proc.terminal ? opts.console : undefined;
    const { pair, target, socketPath } = consoleFor(terminal);
    if (pair) cleanups.push(() => pair.close());
    // Everything joined by the exec stage itself: an exec is not held to the memory floor of a container start.
    const joinFiles = planPlacement(procsFiles, true).stage;
    const host = env.stages.openHostFiles({ cgroupProcs: joinFiles, start: null, console: target });
    cleanups.push(() => host.close());
    const plan = buildExecPlan({
      id: rec.id,
      bundle: rec.bundle,
      namespaces,
      process: proc,
      personality: personalityOf(config),
      seccomp: rec.seccomp ?? null,
      stateJson: JSON.stringify(ociState(rec, status)),
      consoleSocket: socketPath,
      cgroupProcs: joinFiles,
      hostFds: host.layout,
    });
    let pid: number | undefined;
    /** The program, held by a pidfd from now until it has been waited for: a subreaper's orphan reaper leaves it. */
    let held: ProcessHandle | undefined;
    try {
      stage.channel.sendWithFds(encode({ t: "plan", plan }), host.fds);
      host.close();
      for (let line = stage.channel.receive(); pid === undefined; line = stage.channel.receive()) {
        if (line === undefined) throw new Error(`The exec stage exited before it started the program (exit status ${await stage.proc.exited})`);
        const msg = decodeStage(line);
        if (msg.t === "failed") throw new StageFailedError(msg);
        if (msg.t === "spawned") pid = msg.pid;
      }
      // Still the stage's child: its PID cannot have been reused.
      if (!opts.detach) held = env.processes.open(pid, () => true);
    } finally {
      stage.channel.close();
    }
    // The stage exits right after it said so: then the program is ours to wait for.
    await stage.proc.exited;
    const spawned = pid;
    const exited = (): Promise<number> =>
      env.processes.waitFor(spawned).finally(() => {
        held?.close();
        held = undefined;
      });
    return { pid: spawned, exited, ...(pair ? { console: pair } : {}) };
  } catch (err) {
    return unwind(err, cleanups);
  }
};
