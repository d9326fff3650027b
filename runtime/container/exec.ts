// `exec`: a new process in a running container, made by a setup stage that joins its namespaces and cgroup.
import { cgroupManager } from "../cgroups/host-manager.ts";
import { buildExecPlan } from "../process/build-exec-plan.ts";
import { personalityOf } from "../process/build-plan.ts";
import { EARLY_ENV, encodeEarly } from "../process/early.ts";
import { planPlacement } from "../process/cgroup-placement.ts";
import { openHostFiles } from "../process/host-files.ts";
import { consoleFor, type ConsolePair, type ConsoleRequest } from "./console.ts";
import { encode } from "../process/messages.ts";
import { decodeStage } from "../process/stage-messages.ts";
import { spawnStage, type StageProcess } from "../process/spawn-stage.ts";
import { parseProcess, type Config, type Process } from "../spec/config.ts";
import { namespacePath } from "../spec/namespaces.ts";
import { StageFailedError } from "./create.ts";
import { readRecord } from "./record.ts";
import { requireStatus } from "./status.ts";

export interface ExecOptions {
  root: string;
  id: string;
  process: Process;
  /** Where the terminal's master goes when process.terminal is true (see create.ts). */
  console?: ConsoleRequest;
}

/** The container's own process settings with the caller's overrides on top (runc's exec defaults). */
export const execProcess = (config: Config, overrides: Partial<Process> & { extraEnv?: string[] }): Process => {
  const base = config.process;
  const { extraEnv = [], ...rest } = overrides;
  return { ...base, terminal: false, ...rest, env: [...(rest.env ?? base.env ?? []), ...extraEnv] } as Process;
};

export const execInContainer = async (opts: ExecOptions): Promise<StageProcess & { console?: ConsolePair }> => {
  // Whatever it was made from (process.json, the flags over the container's own process), it meets the same rules.
  const proc = parseProcess(opts.process, "exec process");
  const rec = readRecord(opts.root, opts.id);
  requireStatus(opts.root, rec, ["created", "running"], "exec in");
  const config = rec.config as Config;
  const types = (config.linux?.namespaces ?? []).map((n) => n.type);
  const procsFiles = cgroupManager({ cgroupsPath: rec.cgroupsPath, id: rec.id }).procsFiles();
  if (proc.terminal && !opts.console) throw new Error("A terminal needs --console-socket when exec detaches");
  const terminal = proc.terminal ? opts.console : undefined;
  const { pair, target, socketPath } = consoleFor(terminal);
  // Everything joined by the exec stage itself: an exec is not held to the memory floor of a container start.
  const joinFiles = planPlacement(procsFiles, true).stage;
  const host = openHostFiles({ cgroupProcs: joinFiles, execFifo: null, console: target });
  const plan = buildExecPlan({
    id: rec.id,
    bundle: rec.bundle,
    pid: rec.pid,
    namespaces: types,
    process: proc,
    personality: personalityOf(config),
    consoleSocket: socketPath,
    cgroupProcs: joinFiles,
    hostFds: host.layout,
  });
  let stage: StageProcess;
  try {
    const pid = types.includes("pid") ? namespacePath(rec.pid, "pid") : null;
    stage = spawnStage({ pid, stageName: "exec", env: { [EARLY_ENV]: encodeEarly(plan.early) }, extraFds: host.fds });
  } finally {
    host.close();
  }
  stage.channel.send(encode({ t: "plan", plan }));
  // After "ready" the channel closes when the stage execs (close-on-exec); a failure comes as a message instead.
  try {
    for (let line = stage.channel.receive(); line !== undefined; line = stage.channel.receive()) {
      const msg = decodeStage(line);
      if (msg.t === "failed") {
        await stage.proc.exited;
        throw new StageFailedError(msg);
      }
    }
  } finally {
    stage.channel.close();
  }
  return { ...stage, ...(pair ? { console: pair } : {}) };
};
