// Assembles `bunker daemon`: the epoll worker, the memory core and the supervisor for one state root, the service
// manager with its control socket, log rings and health checks, and the heartbeat (hardware watchdog, systemd), with
// the daemon's configuration (TypeBox, defaults) and its event logs.
import { Type, type Static } from "@sinclair/typebox";
import { mkdirSync, rmSync } from "node:fs";
import { posix } from "node:path";
import { lockTouchedPages, setNice } from "../../ffi/residency.ts";
import { hostCgroupFs, type CgroupFs } from "../cgroups/fs.ts";
import { parseMountinfo } from "../cgroups/mounts.ts";
import { decode } from "../spec/validate.ts";
import { readJsonFile } from "../spec/json-text.ts";
import { writeFileAtomic } from "../durable/atomic-file.ts";
import { hostContainerOps } from "./container-ops.ts";
import { MemoryCore } from "../memory/core.ts";
import { startEpollWatch } from "../watch/epoll.ts";
import { eventLogPath, fileEventSink, type EventSink } from "../memory/event-log.ts";
import { fileHoldStore, holdsPath } from "../memory/holds.ts";
import { LadderConfigSchema, defaultLadderConfig } from "../memory/ladder.ts";
import { controlSocketPath, serveControl, type ControlRegistry } from "./control-socket.ts";
import { DEFAULT_IMAGE_STORE } from "../../image/store/layout.ts";
import { otaDeps, otaStatus } from "./ota-host.ts";
import { lastUpdate } from "./ota-journal.ts";
import { DEFAULT_TRUST_DIR } from "./ota-keys.ts";
import { noteProgress } from "./ota-progress.ts";
import { applyUpdate, pendingUpdate, resumeRollsBack, resumeUpdate, type OtaDeps } from "./ota-update.ts";
import { openHardwareWatchdog } from "./hardware-watchdog.ts";
import { hostHealthProbe } from "./health-probe.ts";
import { startHeartbeat } from "./heartbeat.ts";
import { noImageStore } from "./image-bundles.ts";
import { instanceFacts } from "./instance-facts.ts";
import { LogRing } from "./log-ring.ts";
import { collectOutput } from "./output-fifos.ts";
import { systemdNotifier } from "./sd-notify.ts";
import { serviceEventLogPath, type ServiceEvent } from "./service-events.ts";
import { hostServiceJournal } from "./service-journal.ts";
import { ServiceManager } from "./service-manager.ts";
import { hostInstanceOps } from "./service-ops.ts";
import { servicePaths } from "./service-paths.ts";
import { storeBundles } from "./store-bundles.ts";
import { Supervisor } from "./supervisor.ts";
import { hostEnv } from "../container/env.ts";
import { startOrphanReaper } from "../process/orphan-reaper.ts";
import { adoptNetworks } from "./adopt-networks.ts";
import type { NetworkEnv } from "../network/env.ts";

/** Longer than a container start on a slow board: the daemon's loop waits while a setup stage prepares. */
export const DEFAULT_WATCHDOG_TIMEOUT_S = 60;

export const DaemonConfigSchema = Type.Object(
  {
    ladder: Type.Optional(Type.Partial(LadderConfigSchema, { description: "Overrides of the ladder's thresholds and intervals" })),
    oomReserveBytes: Type.Integer({ minimum: 0, default: 0, description: "Memory the v1 OOM handler may grant in total (0: never grant)" }),
    oomGrantBytes: Type.Integer({ minimum: 1 << 20, default: 8 << 20, description: "One grant of the v1 OOM handler" }),
    eventLogBytes: Type.Integer({ minimum: 4096, default: 256 << 10, description: "Size at which an event log starts a new generation" }),
    lockMemory: Type.Boolean({ default: true, description: "Lock the daemon's pages as they are touched, so it does not stall under pressure" }),
    nice: Type.Integer({ minimum: -20, maximum: 19, default: -10, description: "Nice value of the daemon's threads" }),
    logs: Type.Object(
      {
        dir: Type.Optional(Type.String({ minLength: 1, description: "Where services' log rings live (default /var/lib/bunker/logs for the default root, else ROOT/.logs)" })),
        bufferBytes: Type.Integer({ minimum: 512, default: 64 << 10, description: "Output held in memory per service before one write" }),
        flushMs: Type.Integer({
          minimum: 10, default: 30_000,
          description: "Longest time output waits in memory before it is written (each write costs an ext4 journal commit; `bunker logs` asks for a flush)",
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    volumesDir: Type.Optional(Type.String({ minLength: 1, description: "Where named volumes live (default /var/lib/bunker/volumes for the default root, else ROOT/.volumes)" })),
    watchdog: Type.Optional(
      Type.Object(
        {
          device: Type.String({ minLength: 1, description: "The hardware watchdog to arm, e.g. /dev/watchdog" }),
          timeoutS: Type.Integer({
            minimum: 1, maximum: 3600, default: DEFAULT_WATCHDOG_TIMEOUT_S,
            description: "Timeout to set: longer than the longest container start (the daemon's loop waits while a setup stage prepares); the driver's own if it refuses",
          }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { $id: "https://bunker.invalid/schemas/daemon-config.json", title: "bunker daemon configuration", additionalProperties: false },
);
export type DaemonConfig = Static<typeof DaemonConfigSchema>;

export const loadDaemonConfig = (file: string | undefined): DaemonConfig =>
  decode(DaemonConfigSchema, file === undefined ? {} : readJsonFile(file, file, "the daemon configuration"), file ?? "daemon configuration");

/** The root of the v1 memory hierarchy, whose pressure_level stands for the system; undefined on pure v2. */
const v1MemoryRoot = (fs: CgroupFs): string | undefined => {
  const mounts = parseMountinfo(fs.read("/proc/self/mountinfo"));
  return mounts.layout === "v2" ? undefined : mounts.v1.get("memory")?.mountpoint;
};

export interface Daemon {
  readonly services: ServiceManager;
  /** `services`: "stop" (the device shuts down: in reverse dependency order) or "keep" (a later daemon re-adopts them). */
  stop(services: "stop" | "keep"): Promise<void>;
}

export interface DaemonOptions {
  root: string;
  journal: string | null;
  config: DaemonConfig;
  /** Every event (memory core and service manager) as it happens. */
  print(e: object): void;
  warn(msg: string): void;
  /** The image store's directory: image services take their roots from it, updates bring images into it. */
  images?: string;
  /** Where the keys that sign updates are trusted (default /etc/bunker/trust). */
  trust?: string;
  /** Where networking lives (CNI plugins, config lists, the result cache); the defaults when absent. */
  network?: NetworkEnv;
}

/**
 * Under pressure the daemon must not stall on its own page faults or wait behind the hog for a CPU: lock what it
 * touches and raise its priority before the epoll worker starts (the worker inherits the priority).
 */
const holdOn = (config: DaemonConfig, warn: (msg: string) => void): void => {
  for (const [what, fn] of [["lock its memory", lockTouchedPages], ["raise its priority", () => setNice(config.nice)]] as const) {
    try {
      fn();
    } catch (err) {
      warn(`The daemon could not ${what}: ${(err as Error).message}`);
    }
  }
};

/** The running daemon's pid: a hidden entry of the root, removed when it stops. */
export const daemonPidPath = (root: string): string => posix.join(root, ".daemon.pid");

/** How long one step may run before the heartbeat stops: longer than any stop grace and start should take. */
const STUCK_MS = 10 * 60_000;

export const startDaemon = async (o: DaemonOptions): Promise<Daemon> => {
  const { root, journal, config, warn } = o;
  const started = Date.now();
  if (config.lockMemory) holdOn(config, warn);
  // The programs of exec health checks and the inits of user-owned PID namespaces come to us to be waited for, and so
  // does every orphan of a service without a PID namespace of its own: the reaper waits for those.
  hostEnv.processes.becomeSubreaper();
  const reaper = startOrphanReaper(warn);
  mkdirSync(posix.dirname(eventLogPath(root)), { recursive: true, mode: 0o700 });
  const memoryLog = fileEventSink(eventLogPath(root), config.eventLogBytes);
  const serviceLog = fileEventSink<ServiceEvent>(serviceEventLogPath(root), config.eventLogBytes);
  const sink: EventSink = (e) => {
    memoryLog(e);
    o.print(e);
  };
  const serviceSink = (e: ServiceEvent): void => {
    serviceLog(e);
    o.print(e);
  };
  const fs = hostCgroupFs();
  const watch = startEpollWatch();
  const v1Root = v1MemoryRoot(fs);
  const containers = hostContainerOps(root, journal, o.network);
  const paths = servicePaths(root, { ...(config.logs.dir ? { logs: config.logs.dir } : {}), ...(config.volumesDir ? { volumes: config.volumesDir } : {}) });
  // The supervisor tells the service manager of exits; the manager tells the supervisor of the instances it starts.
  let services: ServiceManager | undefined;
  const supervisor = new Supervisor({
    root, ops: containers, watch, sink, warn,
    exited: (id, exit) => services?.exited(id, exit),
    core: (list, restart) =>
      new MemoryCore({
        fs, config: defaultLadderConfig(config.ladder), sink, containers: list, restart, watch,
        reserve: { left: config.oomReserveBytes, step: config.oomGrantBytes },
        holds: fileHoldStore(holdsPath(root)),
        ...(v1Root ? { v1Root } : {}),
      }),
  });
  // The networks of containers that ended while no daemon ran, and the socket policies of those that run.
  for (const note of adoptNetworks(root, o.network)) warn(note);
  const manager = new ServiceManager({
    ops: hostInstanceOps({ root, journal, paths, images: o.images ? storeBundles(o.images) : noImageStore, ...(o.network ? { network: o.network } : {}), warn, started: (id, exited) => supervisor.launched(id, exited) }),
    list: () => containers.list().containers,
    journal: hostServiceJournal(journal),
    probe: hostHealthProbe(root),
    collect: (service, maxBytes) =>
      collectOutput(paths.output(service), new LogRing({ dir: paths.logs, service, maxBytes, bufferBytes: config.logs.bufferBytes, flushMs: config.logs.flushMs })),
    inspect: instanceFacts(containers, fs),
    sink: serviceSink,
    warn,
  });
  services = manager;
  supervisor.start();
  const status = () => ({ ...manager.status({ running: true, pid: process.pid, uptimeS: Math.round((Date.now() - started) / 100) / 10 }), ...lastUpdate(journal) });
  // Updates: their phases are events; one at a time (a second waits for the first).
  const ota = (registry?: ControlRegistry): OtaDeps =>
    otaDeps({ root, journal, images: o.images ?? DEFAULT_IMAGE_STORE, trust: o.trust ?? DEFAULT_TRUST_DIR, ...(registry ? { registry } : {}), progress: noteProgress((detail) => serviceSink({ time: new Date().toISOString(), service: "device", event: "ota", detail })), warn }, manager);
  let updating: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = updating.then(fn, fn);
    updating = run.catch(() => {});
    return run;
  };
  const control = await serveControl(controlSocketPath(root), async (r) => {
    switch (r.op) {
      case "status":
        return status();
      case "flush-logs":
        return manager.flushLogs(r.service);
      case "apply":
        return manager.apply(r.document, r.file, { dryRun: r.dryRun });
      case "ota-apply":
        return serial(() => applyUpdate(ota(r.registry), r.document, r.file));
      case "ota-status":
        return otaStatus(journal);
    }
  });
  const systemd = systemdNotifier();
  const watchdog = config.watchdog ? openHardwareWatchdog(config.watchdog.device, config.watchdog.timeoutS) : undefined;
  if (watchdog?.refused) warn(`Watchdog '${watchdog.path}': ${watchdog.refused}; it resets the board after ${watchdog.timeoutS} s without the daemon`);
  const heartbeat = startHeartbeat({
    ...(watchdog ? { watchdog } : {}),
    ...(systemd ? { systemd } : {}),
    alive: () => !manager.stuck(STUCK_MS),
    onError: warn,
  });
  // Serving already: the journaled target is applied in the background (its health waits can be long). An update
  // a cut interrupted after its switch began is rolled back first (the journaled target is then not applied as is).
  const boot = async (): Promise<void> => {
    const deps = journal === null ? undefined : ota();
    const pending = deps && pendingUpdate(deps);
    if (!resumeRollsBack(pending)) await manager.start().catch((err: unknown) => warn(`Apply the journaled target: ${(err as Error).message}`));
    if (deps && pending) await serial(() => resumeUpdate(deps)).catch((err: unknown) => warn(`Resume update '${pending.version}': ${(err as Error).message}`));
  };
  void boot();
  // For an init's shutdown action: whom to send SIGTERM, and wait for.
  writeFileAtomic(daemonPidPath(root), `${process.pid}\n`);
  systemd?.ready(`supervising ${root}`);
  return {
    services: manager,
    async stop(what) {
      systemd?.stopping();
      control.close();
      // The heartbeat goes on while services stop (their grace periods can be long), and ends last, disarmed.
      const errors = what === "stop" ? await manager.shutdown() : (await manager.close(), []);
      for (const e of errors) warn(`Stopping: ${e}`);
      supervisor.stop();
      await watch.close();
      heartbeat.stop();
      reaper.stop();
      systemd?.close();
      rmSync(daemonPidPath(root), { force: true });
    },
  };
};
