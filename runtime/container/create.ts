// `create`: state directory, cgroup, setup stage; on any failure everything made so far is taken down again.
import { mkdirSync, rmSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { S_IFIFO } from "../../ffi/constants.ts";
import { writeFileAtomic } from "../durable/atomic-file.ts";
import { mkfifo } from "../../ffi/fd.ts";
import { lockFile } from "../../ffi/lock.ts";
import { kill } from "../../ffi/process.ts";
import { cgroupManager } from "../cgroups/host-manager.ts";
import type { CgroupManager } from "../cgroups/manager.ts";
import { runHooks } from "../process/hooks.ts";
import { buildPlan, hookSteps } from "../process/build-plan.ts";
import { EARLY_ENV, encodeEarly } from "../process/early.ts";
import { encode, type StageMessage } from "../process/messages.ts";
import { decodeStage } from "../process/stage-messages.ts";
import { planPlacement } from "../process/cgroup-placement.ts";
import { openHostFiles } from "../process/host-files.ts";
import { consoleFor, type ConsolePair, type ConsoleRequest } from "./console.ts";
import { spawnStage, type StageProcess } from "../process/spawn-stage.ts";
import { waitForPid } from "../process/wait-pid.ts";
import { loadConfig, type Config } from "../spec/config.ts";
import { debug } from "../debug.ts";
import { writeIdMaps } from "./id-maps.ts";
import { moveNetDevicesIn, moveNetDevicesOut } from "./net-devices.ts";
import { recordChanges } from "./journal.ts";
import { renderLimitsView } from "./limits-view.ts";
import { isRunning, procStat } from "./proc.ts";
import { exitStatusOf } from "./wait.ts";
import { checkId, fifoPath, limitsViewDir, lockPath, stateDir, writeRecord, type ContainerRecord } from "./record.ts";
import { ociState } from "./status.ts";

export interface CreateOptions {
  root: string;
  id: string;
  bundle: string;
  pidFile?: string;
  /** Where a terminal's master goes when process.terminal is true: a --console-socket, or to bunker itself when it
   * stays in the foreground (run, exec). */
  console?: ConsoleRequest;
  /** The state journal's directory (null: off). */
  journal: string | null;
}

export interface Created {
  record: ContainerRecord;
  stage: StageProcess;
  cgroup: CgroupManager;
  /** Resolves with the init's exit status (128 + N for signal N). */
  exited(): Promise<number>;
  /** The terminal, when bunker holds it (a foreground container with process.terminal). */
  console?: ConsolePair;
}

/** The setup stage's own account of a failure: "setup stage: <step>: <call>: <errno>". */
export class StageFailedError extends Error {
  override readonly name = "StageFailedError";
  constructor(readonly report: Extract<StageMessage, { t: "failed" }>) {
    super(`Setup stage failed at '${report.step}': ${report.message}`);
  }
}

/** Runs cleanups newest first; keeps every cleanup error beside the main one. */
const unwind = (main: unknown, cleanups: (() => unknown)[]): Promise<never> =>
  (async () => {
    const errors: unknown[] = [];
    for (const c of cleanups.reverse()) {
      try {
        await c();
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length) throw new AggregateError(errors, main instanceof Error ? main.message : String(main), { cause: main });
    throw main;
  })();

/** The config plus the bind mounts of the container's limits view over the files its /proc and /sys mounts show. */
const withLimitsView = (config: Config, dir: string): Config => {
  const mounted = new Set((config.mounts ?? []).map((m) => m.destination));
  const view = renderLimitsView(dir, config.linux?.resources).filter((m) => mounted.has(m.destination.startsWith("/proc/") ? "/proc" : "/sys"));
  return { ...config, mounts: [...(config.mounts ?? []), ...view] };
};

const pidNamespaceOf = (config: Config): "new" | string | null => {
  const ns = config.linux?.namespaces?.find((n) => n.type === "pid");
  return ns ? (ns.path ?? "new") : null;
};

export const createContainer = async (opts: CreateOptions): Promise<Created> => {
  checkId(opts.id);
  const bundle = resolve(opts.bundle);
  const config = loadConfig(bundle);
  if (config.process.terminal && !opts.console)
    throw new Error("process.terminal is true: give --console-socket, or run the container in the foreground");
  const terminal = config.process.terminal ? opts.console : undefined;
  mkdirSync(opts.root, { recursive: true, mode: 0o711 });
  const dir = stateDir(opts.root, opts.id);
  try {
    mkdirSync(dir, { mode: 0o711 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") throw new Error(`Container '${opts.id}' already exists`);
    throw err;
  }
  const cleanups: (() => unknown)[] = [() => rmSync(dir, { recursive: true, force: true })];
  const lock = lockFile(lockPath(opts.root, opts.id));
  cleanups.push(() => lock.release());
  try {
    const record: ContainerRecord = {
      id: opts.id, pid: 0, startTime: "", bundle, rootfs: config.root.path, created: new Date().toISOString(), creating: true,
      cgroupsPath: "", annotations: config.annotations ?? {}, config,
    };
    writeRecord(opts.root, record);
    const cgroup = cgroupManager({ cgroupsPath: config.linux?.cgroupsPath, id: opts.id });
    record.cgroupsPath = cgroup.path;
    cleanups.push(() => cgroup.destroy());
    cgroup.create();
    cgroup.apply(config.linux?.resources ?? {});
    const fifo = fifoPath(opts.root, opts.id);
    mkfifo(fifo, S_IFIFO | 0o622);
    const state = (pid: number, status: string): string => JSON.stringify(ociState(record, status, pid));
    const { pair, target, socketPath } = consoleFor(terminal);
    if (pair) cleanups.push(() => pair.close());
    const placement = planPlacement(cgroup.procsFiles(), config.linux?.namespaces?.some((n) => n.type === "cgroup" && !n.path) ?? false);
    const host = openHostFiles({ cgroupProcs: placement.stage, execFifo: fifo, console: target });
    const plan = buildPlan({
      id: opts.id, bundle, config: withLimitsView(config, limitsViewDir(opts.root, opts.id)), execFifo: fifo, consoleSocket: socketPath,
      cgroupProcs: placement.stage, hostFds: host.layout, cgroupDirs: cgroup.dirs(), cgroupV2: cgroup.layout === "v2",
      stateJson: state(0, "creating"),
    });
    debug("create: spawn stage");
    let stage: StageProcess;
    try {
      stage = spawnStage({ pid: plan.spawnInit ? null : pidNamespaceOf(config), stageName: "setup", env: { [EARLY_ENV]: encodeEarly(plan.early) }, extraFds: host.fds });
    } finally {
      host.close();
    }
    /** Host PID of the container's init: the stage itself, or the init it started in a user-owned PID namespace. */
    let initPid = stage.proc.pid;
    cleanups.push(async () => {
      for (const pid of new Set([initPid, stage.proc.pid])) if (isRunning(pid)) kill(pid, 9);
      await stage.proc.exited;
    });
    stage.channel.send(encode({ t: "plan", plan }));
    // In the thread pool, while the stage starts up: such a write waits out an RCU grace period (~10 ms here).
    const placed = Promise.all(placement.parent.map((file) => writeFile(file, String(stage.proc.pid))));
    placed.catch(() => {}); // awaited below; this keeps an early rejection from being reported as unhandled
    for (;;) {
      const line = stage.channel.receive();
      if (line === undefined) {
        const code = await stage.proc.exited;
        throw new Error(`The setup stage exited before it was ready (exit status ${code})`);
      }
      const msg = decodeStage(line);
      if (msg.t === "failed") throw new StageFailedError(msg);
      if (msg.t === "userns-ready") {
        writeIdMaps(stage.proc.pid, config.linux?.uidMappings ?? [], config.linux?.gidMappings ?? []);
        stage.channel.send(encode({ t: "continue" }));
      } else if (msg.t === "init-spawned") {
        initPid = msg.pid;
        // The init is already in the user namespace, as root there.
        stage.channel.send(encode({ t: "plan", plan: { ...plan, early: [], newUserNamespace: false, spawnInit: false } }));
      } else if (msg.t === "mounts-ready") {
        const json = state(initPid, "creating");
        runHooks("prestart", hookSteps(config.hooks?.prestart), json);
        runHooks("createRuntime", hookSteps(config.hooks?.createRuntime), json);
        stage.channel.send(encode({ t: "continue" }));
      } else break;
    }
    debug("create: stage ready");
    await placed.catch((err: unknown) => {
      throw new Error("Placing the setup stage in its cgroup failed", { cause: err });
    });
    const stat = procStat(initPid);
    if (!stat) throw new Error("The setup stage died right after it was ready");
    const netDevices = config.linux?.netDevices ?? {};
    moveNetDevicesIn(initPid, netDevices);
    cleanups.push(() => {
      const left = moveNetDevicesOut(initPid, netDevices);
      if (left.length) throw new AggregateError(left, "Network devices stayed in the container");
    });
    Object.assign(record, { pid: initPid, startTime: stat.startTime, creating: false });
    writeRecord(opts.root, record);
    recordChanges(opts.journal, [{ kind: "created", id: opts.id, bundle, pid: initPid }]);
    if (opts.pidFile) writeFileAtomic(opts.pidFile, String(initPid));
    lock.release();
    // An init started by the stage is our child (we are its subreaper: see run.ts) once the stage has exited.
    const exited = async (): Promise<number> => {
      await stage.proc.exited;
      return initPid === stage.proc.pid ? exitStatusOf(stage.proc) : waitForPid(initPid);
    };
    return { record, stage, cgroup, exited, ...(pair ? { console: pair } : {}) };
  } catch (err) {
    return unwind(err, cleanups);
  }
};
