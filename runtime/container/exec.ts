// `exec`: a new process in a running container, made by a setup stage that joins its namespaces and cgroup.
import { cgroupManager } from "../cgroups/host-manager.ts";
import { buildExecPlan } from "../process/build-exec-plan.ts";
import { EARLY_ENV, encodeEarly } from "../process/early.ts";
import { planPlacement } from "../process/cgroup-placement.ts";
import { openHostFiles } from "../process/host-files.ts";
import { consoleFor, type ConsolePair, type ConsoleRequest } from "./console.ts";
import { encode } from "../process/messages.ts";
import { decodeStage } from "../process/stage-messages.ts";
import { spawnStage, type StageProcess } from "../process/spawn-stage.ts";
import { waitForPid } from "../process/wait-pid.ts";
import { PR } from "../../ffi/constants.ts";
import { prctl } from "../../ffi/process.ts";
import type { Config, Process } from "../spec/config.ts";
import { StageFailedError } from "./stage-failed.ts";
import { namespacePath } from "../spec/namespaces.ts";
import { readRecord } from "./record.ts";
import { requireStatus } from "./status.ts";

export interface ExecOptions {
  root: string;
  id: string;
  process: Process;
  /** Where the terminal's master goes when process.terminal is true (see create.ts). */
  console?: ConsoleRequest;
  /** Do not wait for the program: it is not made our child. */
  detach: boolean;
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
export const execInContainer = async (opts: ExecOptions): Promise<Execed> => {
  const rec = readRecord(opts.root, opts.id);
  const status = requireStatus(opts.root, rec, ["created", "running"], "exec in");
  const config = rec.config as Config;
  // A created container's process is its setup stage, which may have joined a PID namespace for its children only.
  const namespaces = (config.linux?.namespaces ?? []).map((n) => ({
    type: n.type,
    path: n.type === "pid" && status === "created" ? `/proc/${rec.pid}/ns/pid_for_children` : namespacePath(rec.pid, n.type),
  }));
  const procsFiles = cgroupManager({ cgroupsPath: rec.cgroupsPath, id: rec.id }).procsFiles();
  if (opts.process.terminal && !opts.console) throw new Error("A terminal needs --console-socket when exec detaches");
  const terminal = opts.process.terminal ? opts.console : undefined;
  const { pair, target, socketPath } = consoleFor(terminal);
  // Everything joined by the exec stage itself: an exec is not held to the memory floor of a container start.
  const joinFiles = planPlacement(procsFiles, true).stage;
  const host = openHostFiles({ cgroupProcs: joinFiles, start: null, console: target });
  const plan = buildExecPlan({
    id: rec.id,
    bundle: rec.bundle,
    namespaces,
    process: opts.process,
    consoleSocket: socketPath,
    cgroupProcs: joinFiles,
    hostFds: host.layout,
  });
  if (!opts.detach) prctl(PR.SET_CHILD_SUBREAPER, 1);
  let stage: StageProcess;
  try {
    stage = spawnStage({ pid: null, stageName: "exec", env: { [EARLY_ENV]: encodeEarly(plan.early) }, extraFds: host.fds, oomScoreAdj: opts.process.oomScoreAdj });
  } finally {
    host.close();
  }
  let pid: number | undefined;
  try {
    stage.channel.send(encode({ t: "plan", plan }));
    for (let line = stage.channel.receive(); pid === undefined; line = stage.channel.receive()) {
      if (line === undefined) throw new Error(`The exec stage exited before it started the program (exit status ${await stage.proc.exited})`);
      const msg = decodeStage(line);
      if (msg.t === "failed") {
        await stage.proc.exited;
        throw new StageFailedError(msg);
      }
      if (msg.t === "spawned") pid = msg.pid;
    }
  } finally {
    stage.channel.close();
  }
  await stage.proc.exited;
  const spawned = pid;
  return { pid: spawned, exited: () => waitForPid(spawned), ...(pair ? { console: pair } : {}) };
};
