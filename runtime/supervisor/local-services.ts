// The service manager without a daemon, for `bunker apply` and `bunker status` when none listens on the root's
// socket: the same planner, executors and journal; it follows the exits of the instances it starts itself, and stops
// once the target is reached. Output is not collected: it waits in the services' pipes for the next daemon.
import { hostCgroupFs } from "../cgroups/fs.ts";
import { fileEventSink } from "../memory/event-log.ts";
import type { NetworkEnv } from "../network/env.ts";
import { hostContainerOps } from "./container-ops.ts";
import { hostHealthProbe } from "./health-probe.ts";
import { noImageStore } from "./image-bundles.ts";
import { instanceFacts } from "./instance-facts.ts";
import { serviceEventLogPath, type ServiceEvent } from "./service-events.ts";
import { hostServiceJournal } from "./service-journal.ts";
import { ServiceManager, type ApplyReport } from "./service-manager.ts";
import { hostInstanceOps } from "./service-ops.ts";
import { lastUpdate } from "./ota-journal.ts";
import { servicePaths } from "./service-paths.ts";
import { storeBundles } from "./store-bundles.ts";
import type { DeviceStatus } from "./status.ts";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";

export interface LocalOptions {
  root: string;
  journal: string | null;
  warn(msg: string): void;
  /** The image store's directory: image services take their roots from it. */
  images?: string;
  network?: NetworkEnv;
}

export const localServiceManager = (o: LocalOptions): ServiceManager => {
  const containers = hostContainerOps(o.root, o.journal, o.network);
  const log = fileEventSink<ServiceEvent>(serviceEventLogPath(o.root));
  // Made with the first event: a refused document leaves the root as it was.
  const sink = (e: ServiceEvent): void => {
    mkdirSync(dirname(serviceEventLogPath(o.root)), { recursive: true, mode: 0o700 });
    log(e);
  };
  const manager: ServiceManager = new ServiceManager({
    ops: hostInstanceOps({
      root: o.root, journal: o.journal, paths: servicePaths(o.root), images: o.images ? storeBundles(o.images) : noImageStore, ...(o.network ? { network: o.network } : {}), warn: o.warn,
      started: (id, exited) => void exited.then((status) => manager.exited(id, { at: Date.now(), status })),
    }),
    list: () => containers.list().containers,
    journal: hostServiceJournal(o.journal),
    probe: hostHealthProbe(o.root),
    inspect: instanceFacts(containers, hostCgroupFs()),
    sink,
    warn: o.warn,
  });
  return manager;
};

/** Applies `document` here and waits (at most the target's health windows) until no service waits any more. */
export const applyHere = async (o: LocalOptions, document: string, file: string, dryRun: boolean): Promise<ApplyReport> => {
  const manager = localServiceManager(o);
  try {
    const report = await manager.apply(document, file, { dryRun });
    // Without a daemon nobody starts the services still waiting for a dependency: wait here until none waits.
    if (!dryRun) await manager.settled(manager.healthWindowMs());
    return report;
  } finally {
    await manager.close();
  }
};

/** The status the journal and the state root show, without a daemon (so without health). */
export const statusHere = (o: LocalOptions): DeviceStatus => {
  const manager = localServiceManager(o);
  manager.load();
  return { ...manager.status({ running: false }), ...lastUpdate(o.journal) };
};
