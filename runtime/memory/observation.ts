// What the memory core sees at one moment: the system, every supervised container, and the kernel signals that woke it.
import type { PsiFigures } from "../cgroups/psi.ts";
import type { MemoryEvents } from "../cgroups/v2/memory-events.ts";
import type { MemoryPolicy } from "./policy.ts";
import type { ExitRecord } from "./restart.ts";

/** Where a container's memory lives: one v2 directory, or the v1 memory directory and the freezer beside it. */
export type MemoryCgroupPaths = { v2: string } | { v1: { memory: string; freezer: string } };

export interface SystemMemory {
  memTotal: number;
  memAvailable: number;
  swapTotal: number;
  swapFree: number;
  /** Absent when the kernel has no PSI. */
  psi?: PsiFigures;
}

export interface CgroupMemory {
  current: number;
  /** memory.max (v2) / memory.limit_in_bytes (v1); "max" when unlimited. */
  max: number | "max";
  high: number | "max";
  swapCurrent: number;
  events: MemoryEvents;
  psi?: PsiFigures;
  frozen: boolean;
  populated: boolean;
}

/** What the memory core itself did to a container and has not undone yet. */
export interface Managed {
  /** memory.high bunker set, so that release can lift it. */
  throttledTo?: number;
  frozenAt?: number;
  /** Times a freeze of this run was undone. */
  thawed?: number;
  killedAt?: number;
  /** Proactive reclaim: when it last ran, and whether it has stopped finding anything to take. */
  reclaimedAt?: number;
  reclaimSettled?: boolean;
  /** Set when the restart policy gave up (crash loop). */
  gaveUp?: boolean;
  /** A throttle or reclaim write is still running (the kernel reclaims inside it): no second one; freeze and kill may. */
  inFlight?: boolean;
}

/** What the supervisor tells the memory core about one container. */
export interface CoreContainer {
  id: string;
  policy: MemoryPolicy;
  status: ContainerView["status"];
  paths?: MemoryCgroupPaths;
  exit?: ExitRecord;
  restarts: number[];
}

export interface ContainerView {
  id: string;
  policy: MemoryPolicy;
  status: "running" | "paused" | "stopped";
  /** Present while the container's cgroup exists. */
  memory?: CgroupMemory;
  exit?: ExitRecord;
  /** Times of earlier restarts by the daemon, for backoff and the crash-loop limit. */
  restarts: number[];
  managed: Managed;
}

/** A kernel notification: a PSI trigger fired (some, full, or a faint one: look), an OOM kill, an exit; or a timer. */
export interface Signal {
  /** "system" or a container id. */
  source: string;
  kind: "some" | "full" | "look" | "oom" | "exit" | "timer";
  /** Wall-clock milliseconds when the kernel's notification reached bunker. */
  at: number;
}

/** PSI stall totals (microseconds) as a pass read them: the system's, and each container's with how many times it had
 * hit its limit (memory.events max, v1 failcnt). */
export interface StallTotals {
  system: { some: number; full: number };
  containers: Record<string, { some: number; full: number; max: number }>;
}

/** The totals of an observation, kept by the core for the next one. */
export const stallTotals = (system: SystemMemory, containers: readonly ContainerView[]): StallTotals | undefined =>
  system.psi
    ? {
        system: { some: system.psi.some.total, full: system.psi.full?.total ?? 0 },
        containers: Object.fromEntries(
          containers.flatMap((c) => (c.memory?.psi ? [[c.id, { some: c.memory.psi.some.total, full: c.memory.psi.full?.total ?? 0, max: c.memory.events.max }]] : [])),
        ),
      }
    : undefined;

export interface Observation {
  now: number;
  system: SystemMemory;
  containers: ContainerView[];
  /** Signals received since the last plan, oldest first. */
  signals: Signal[];
  /** When the memory level was last seen above calm (undefined: never since start). */
  lastPressureAt?: number;
  /** When the ladder last throttled, froze or killed anything. */
  lastActionAt?: number;
  /** The previous pass's stall totals: what stalled since then, and where. */
  previousStalls?: StallTotals;
}
