// Assembles `bunker daemon`: the epoll worker, the memory core and the supervisor for one state root, with the
// daemon's configuration (TypeBox, defaults) and its event log.
import { Type, type Static } from "@sinclair/typebox";
import { mkdirSync, readFileSync } from "node:fs";
import { posix } from "node:path";
import { lockTouchedPages, setNice } from "../../ffi/residency.ts";
import { hostCgroupFs, type CgroupFs } from "../cgroups/fs.ts";
import { parseMountinfo } from "../cgroups/mounts.ts";
import { decode, parseJson } from "../spec/validate.ts";
import { hostContainerOps } from "./container-ops.ts";
import { MemoryCore } from "../memory/core.ts";
import { startEpollWatch } from "../watch/epoll.ts";
import { eventLogPath, fileEventSink, type EventSink } from "../memory/event-log.ts";
import { LadderConfigSchema, defaultLadderConfig } from "../memory/ladder.ts";
import { Supervisor } from "./supervisor.ts";

export const DaemonConfigSchema = Type.Object(
  {
    ladder: Type.Optional(Type.Partial(LadderConfigSchema, { description: "Overrides of the ladder's thresholds and intervals" })),
    oomReserveBytes: Type.Integer({ minimum: 0, default: 0, description: "Memory the v1 OOM handler may grant in total (0: never grant)" }),
    oomGrantBytes: Type.Integer({ minimum: 1 << 20, default: 8 << 20, description: "One grant of the v1 OOM handler" }),
    eventLogBytes: Type.Integer({ minimum: 4096, default: 256 << 10, description: "Size at which the event log starts a new generation" }),
    lockMemory: Type.Boolean({ default: true, description: "Lock the daemon's pages as they are touched, so it does not stall under pressure" }),
    nice: Type.Integer({ minimum: -20, maximum: 19, default: -10, description: "Nice value of the daemon's threads" }),
  },
  { $id: "https://bunker.invalid/schemas/daemon-config.json", title: "bunker daemon configuration", additionalProperties: false },
);
export type DaemonConfig = Static<typeof DaemonConfigSchema>;

export const loadDaemonConfig = (file: string | undefined): DaemonConfig =>
  decode(DaemonConfigSchema, file === undefined ? {} : parseJson(readFileSync(file, "utf8"), file), file ?? "daemon configuration");

/** The root of the v1 memory hierarchy, whose pressure_level stands for the system; undefined on pure v2. */
const v1MemoryRoot = (fs: CgroupFs): string | undefined => {
  const mounts = parseMountinfo(fs.read("/proc/self/mountinfo"));
  return mounts.layout === "v2" ? undefined : mounts.v1.get("memory")?.mountpoint;
};

export interface Daemon {
  stop(): Promise<void>;
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

export const startDaemon = (root: string, config: DaemonConfig, print: EventSink, warn: (msg: string) => void, journal: string | null = null): Daemon => {
  if (config.lockMemory) holdOn(config, warn);
  mkdirSync(posix.dirname(eventLogPath(root)), { recursive: true, mode: 0o700 });
  const file = fileEventSink(eventLogPath(root), config.eventLogBytes);
  const sink: EventSink = (e) => {
    file(e);
    print(e);
  };
  const fs = hostCgroupFs();
  const watch = startEpollWatch();
  const v1Root = v1MemoryRoot(fs);
  const supervisor = new Supervisor({
    root, ops: hostContainerOps(root, journal), watch, sink, warn,
    core: (containers, restart) =>
      new MemoryCore({
        fs, config: defaultLadderConfig(config.ladder), sink, containers, restart, watch,
        reserve: { left: config.oomReserveBytes, step: config.oomGrantBytes },
        ...(v1Root ? { v1Root } : {}),
      }),
  });
  supervisor.start();
  return {
    async stop() {
      supervisor.stop();
      await watch.close();
    },
  };
};
