// `create`: state directory, cgroup, setup stage; on any failure everything made so far is taken down again.
import { resolve } from "node:path";
import type { CgroupManager } from "../cgroups/manager.ts";
import { checkNamespacePaths } from "../process/namespace-paths.ts";
import { buildPlan, hookSteps } from "../process/build-plan.ts";
import { setupSpawnOptions, stageLaunch, uncheckedLaunch, type StageLaunch } from "../process/stage-launch.ts";
import { encode } from "../process/messages.ts";
import { decodeStage } from "../process/stage-messages.ts";
import { planPlacement } from "../process/cgroup-placement.ts";
import { idmapRequests } from "../process/idmapped-mounts.ts";
import { consoleFor, type ConsolePair, type ConsoleRequest } from "./console.ts";
import type { StageProcess } from "../process/spawn-stage.ts";
import type { ProcessHandle } from "../process/process-handle.ts";
import type { Config, Mount } from "../spec/config.ts";
import { debug } from "../debug.ts";
import type { NetworkEnv } from "../network/env.ts";
import { hostEnv, type ContainerEnv } from "./env.ts";
import { exitStatusOf } from "./wait.ts";
import { checkId, START_SOCKET, stateDir, type ContainerRecord } from "./record.ts";
import { StageFailedError } from "./stage-failed.ts";
import { unwind } from "./unwind.ts";
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
  /** Annotations over the config's, kept in the record (the CLI's --network and -p; the service manager's settings). */
  annotations?: Record<string, string>;
  /** Where networking lives (CNI plugins, config directory, result cache); the defaults when absent. */
  network?: NetworkEnv;
  /** The program's stdio is the container's own /dev/null (a detached run without a terminal), never the caller's
   * fds, which a process checkpoint could not describe. create itself, as runc's, passes the caller's stdio on: an
   * engine gives it the pipes it reads. */
  nullStdio?: boolean;
  /** The program's stdin, stdout and stderr (the service manager's log pipes); default: the caller's own. */
  stdio?: [stdin: number, stdout: number, stderr: number];
}

export interface Created {
  record: ContainerRecord;
  stage: StageProcess;
  cgroup: CgroupManager;
  /** Resolves with the exit status (128 + N for signal N) of the init, or of the program a stage that joined another
   * container's PID namespace spawned at start (its PID from `start`). */
  exited(pid?: number): Promise<number>;
  /** The terminal, when bunker holds it (a foreground container with process.terminal). */
  console?: ConsolePair;
}

/** The config plus the bind mounts of the container's limits view over the files its /proc and /sys mounts show. */
const withLimitsView = (config: Config, view: readonly Mount[]): Config => {
  const mounted = new Set((config.mounts ?? []).map((m) => m.destination));
  const shown = view.filter((m) => mounted.has(m.destination.startsWith("/proc/") ? "/proc" : "/sys"));
  return { ...config, mounts: [...(config.mounts ?? []), ...shown] };
};

export const createContainer = async (opts: CreateOptions, env: ContainerEnv = hostEnv): Promise<Created> => {
  checkId(opts.id);
  const bundle = resolve(opts.bundle);
  const document = env.config.read(bundle);
  let procTakesPidns: boolean | undefined;
  const takesPidns = (): boolean => (procTakesPidns ??= env.stages.procTakesPidns());
  // The stage starts first and loads while the config is checked and the cgroup made (it waits for its plan); a
  // config that fails the check kills it, as any failure below does.
  const spawn = (launch: StageLaunch, oomScoreAdj: number | null | undefined): StageProcess => env.stages.spawn(setupSpawnOptions(launch, oomScoreAdj, opts.stdio));
  const unchecked = uncheckedLaunch(document, takesPidns);
  const launched = unchecked?.launch;
  let stage = unchecked && spawn(unchecked.launch, unchecked.oomScoreAdj);
  debug("create: stage spawned");
  /** That init, held by a pidfd until it has been waited for: it is not our child yet, its PID could be reused. */
  let init: ProcessHandle | undefined;
  const stopStage = async (): Promise<void> => {
    init?.signal(9);
    init?.close();
    stage?.proc.kill(9);
    await stage?.proc.exited;
  };
  const cleanups: (() => unknown)[] = [];
  try {
    const bundleConfig = env.config.check(document, bundle);
    debug("create: config checked");
    checkNamespacePaths(bundleConfig.linux?.namespaces ?? []);
    if (bundleConfig.process.terminal && !opts.console)
      throw new Error("process.terminal is true: give --console-socket, or run the container in the foreground");
    const terminal = bundleConfig.process.terminal ? opts.console : undefined;
    env.state.makeDir(opts.root, opts.id);
    const dir = stateDir(opts.root, opts.id);
    cleanups.push(() => env.state.removeDir(opts.root, opts.id));
    const lock = env.state.lock(opts.root, opts.id);
    cleanups.push(() => lock.release());
    const network = env.network.prepare(bundleConfig, { id: opts.id, stateDir: dir, ...(opts.annotations ? { overrides: opts.annotations } : {}), ...(opts.network ? { env: opts.network } : {}) });
    const { config } = network.prepared;
    const record: ContainerRecord = {
      id: opts.id, pid: 0, startTime: "", bundle, rootfs: config.root.path, created: env.clock.now().toISOString(), creating: true,
      cgroupsPath: "", annotations: config.annotations ?? {}, config, ...(opts.pidFile ? { pidFile: resolve(opts.pidFile) } : {}),
      ...(opts.annotations ? { annotationOverrides: opts.annotations } : {}),
      ...(network.prepared.state ? { network: network.prepared.state } : {}),
    };
    env.state.write(opts.root, record);
    const cgroup = env.cgroups.manager({ cgroupsPath: config.linux?.cgroupsPath, id: opts.id });
    record.cgroupsPath = cgroup.path;
    cleanups.push(() => cgroup.destroy());
    cgroup.create();
    cgroup.apply(config.linux?.resources ?? {});
    debug("create: cgroup made");
    const state = (pid: number, status: string): string => JSON.stringify(ociState(record, status, pid));
    const { pair, target, socketPath } = consoleFor(terminal);
    if (pair) cleanups.push(() => pair.close());
    const placement = planPlacement(cgroup.procsFiles(), config.linux?.namespaces?.some((n) => n.type === "cgroup" && !n.path) ?? false);
    const host = env.stages.openHostFiles({ cgroupProcs: placement.stage, start: { dir, name: START_SOCKET }, console: target, idmapped: idmapRequests(config, bundle) });
    cleanups.push(() => host.close());
    debug("create: host files open");
    const plan = buildPlan({
      id: opts.id, bundle, config: withLimitsView(config, env.state.renderLimitsView(opts.root, opts.id, config.linux?.resources)), consoleSocket: socketPath,
      cgroupProcs: placement.stage, hostFds: host.layout, cgroupDirs: cgroup.dirs(), cgroupV2: cgroup.layout === "v2",
      stateJson: "", // the init's pid is known once the stage runs: see `hookState`
      procTakesPidns: takesPidns, nullStdio: opts.nullStdio ?? false,
    });
    // The network may change linux.namespaces, but never what the stage was started with (PID, user, time).
    const launch = stageLaunch(config.linux?.namespaces ?? [], takesPidns);
    if (stage && (launch.pid !== launched?.pid || launch.early !== launched.early)) {
      await stopStage();
      stage = undefined;
    }
    stage ??= spawn(launch, config.process.oomScoreAdj ?? null);
    const spawned = stage;
    // From here on in the order of the steps: the network's cleanups (pushed later) run while the init lives.
    cleanups.push(stopStage);
    /** Host PID of the container's init: the stage itself, or the init it started in a user-owned PID namespace. */
    let initPid = spawned.proc.pid;
    // What every hook of create and start sees: the spec's "created" (the environment is made; runc says
    // "creating", crun "created"), with the init's pid.
    const hookState = (): string => state(initPid, "created");
    spawned.channel.sendWithFds(encode({ t: "plan", plan: { ...plan, stateJson: hookState() } }), host.fds);
    debug("create: plan sent");
    // In the thread pool, while the stage starts up: such a write waits out an RCU grace period (~10 ms here).
    const placed = Promise.all(placement.parent.map((file) => env.stages.place(file, spawned.proc.pid)));
    placed.catch(() => {}); // awaited below; this keeps an early rejection from being reported as unhandled
    for (;;) {
      const line = spawned.channel.receive();
      if (line === undefined) {
        const code = await spawned.proc.exited;
        throw new Error(`The setup stage exited before it was ready (exit status ${code})`);
      }
      const msg = decodeStage(line);
      if (msg.t === "failed") throw new StageFailedError(msg);
      if (msg.t === "userns-ready") {
        env.stages.writeIdMaps(spawned.proc.pid, config.linux?.uidMappings ?? [], config.linux?.gidMappings ?? []);
        spawned.channel.send(encode({ t: "continue" }));
      } else if (msg.t === "init-spawned") {
        initPid = msg.pid;
        init = env.processes.open(msg.pid, () => env.processes.isRunning(msg.pid));
        // The init is already in the user namespace, as root there.
        spawned.channel.sendWithFds(encode({ t: "plan", plan: { ...plan, stateJson: hookState(), early: [], newUserNamespace: false, spawnInit: false } }), host.fds);
      } else if (msg.t === "mounts-ready") {
        const json = hookState();
        env.hooks.run("prestart", hookSteps(config.hooks?.prestart), json);
        env.hooks.run("createRuntime", hookSteps(config.hooks?.createRuntime), json);
        spawned.channel.send(encode({ t: "continue" }));
      } else break;
    }
    debug("create: stage ready");
    host.close();
    await placed.catch((err: unknown) => {
      throw new Error("Placing the setup stage in its cgroup failed", { cause: err });
    });
    const stat = env.processes.stat(initPid);
    if (!stat) throw new Error("The setup stage died right after it was ready");
    debug("create: network");
    const attached = env.network.connect(network, { id: opts.id, root: opts.root, stateDir: dir, pid: initPid, cgroup });
    cleanups.push(attached.release);
    const netDevices = config.linux?.netDevices;
    if (netDevices && Object.keys(netDevices).length) {
      env.network.moveDevicesIn(initPid, netDevices);
      cleanups.push(() => {
        const left = env.network.moveDevicesOut(initPid, netDevices);
        if (left.length) throw new AggregateError(left, "Network devices stayed in the container");
      });
    }
    Object.assign(record, { pid: initPid, startTime: stat.startTime, creating: false, ...(attached.state ? { network: attached.state } : {}), ...(plan.seccomp ? { seccomp: plan.seccomp } : {}) });
    env.state.write(opts.root, record);
    // The pid file first: a create that fails on it must leave no `created` record in the journal.
    if (record.pidFile) env.state.writePidFile(record.pidFile, initPid);
    env.journal.record(opts.journal, [{ kind: "created", id: opts.id, bundle, pid: initPid }]);
    lock.release();
    // An init started by the stage is our child (we are its subreaper: see run.ts) once the stage has exited. It
    // stays held by its pidfd until it has been waited for, so that a subreaper's orphan reaper leaves it alone.
    const release = (): void => {
      init?.close();
      init = undefined;
    };
    const exited = async (pid = initPid): Promise<number> => {
      try {
        await spawned.proc.exited;
        return pid === spawned.proc.pid ? exitStatusOf(spawned.proc) : await env.processes.waitFor(pid);
      } finally {
        release();
      }
    };
    return { record, stage: spawned, cgroup, exited, ...(pair ? { console: pair } : {}) };
  } catch (err) {
    // A stage started ahead, before the step that orders its cleanup, goes first.
    return unwind(err, cleanups.includes(stopStage) ? cleanups : [...cleanups, stopStage]);
  }
};
