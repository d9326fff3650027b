// What the device runs now, as the planner sees it: service instances (containers the service manager made, known by
// their annotations, so they are recognised again after a daemon restart) and what the daemon learnt about each
// service while it watched (health, last exit, restart times), which a restarted daemon starts again without.
import type { ExitRecord } from "../memory/restart.ts";

/** Annotations of an instance's config.json: the state root alone tells which service and spec a container runs. */
export const SERVICE_ANNOTATION = {
  service: "bunker.service",
  hash: "bunker.service.hash",
  /** Comma-separated names the instance was started after (its stop comes before theirs). */
  dependsOn: "bunker.service.depends-on",
  /** "<signal number> <grace ms>": how to stop it even once the target no longer names it. */
  stop: "bunker.service.stop",
} as const;

/** One container per service and spec: a changed spec gets a new instance, so old and new can run side by side. */
export const instanceId = (service: string, hash: string): string => `${service}.${hash.slice(0, 12)}`;

/** Container status as the state root derives it. */
export type InstanceStatus = "creating" | "created" | "running" | "paused" | "stopped";

export interface Instance {
  id: string;
  service: string;
  hash: string;
  status: InstanceStatus;
  dependsOn: string[];
  stopSignal: number;
  stopGraceMs: number;
}

export type Health = "none" | "starting" | "healthy" | "unhealthy";

export interface ServiceRuntime {
  /** Health of the instance running the desired spec. */
  health: Health;
  /** How that instance last ended, when the daemon saw it. */
  exit?: ExitRecord;
  /** Times of the daemon's restarts, for backoff and the crash-loop limit. */
  restarts: number[];
}

export interface CurrentState {
  instances: Instance[];
  runtime: ReadonlyMap<string, ServiceRuntime>;
}

export const NO_RUNTIME: ServiceRuntime = Object.freeze({ health: "none", restarts: [] }) as ServiceRuntime;

/** The instance a container is, or undefined for containers the service manager did not make. */
export const instanceOf = (c: { id: string; status: string; annotations: Record<string, string> }): Instance | undefined => {
  const a = c.annotations;
  const service = a[SERVICE_ANNOTATION.service];
  const hash = a[SERVICE_ANNOTATION.hash];
  if (!service || !hash || c.id !== instanceId(service, hash)) return undefined;
  const [signal, grace] = (a[SERVICE_ANNOTATION.stop] ?? "").split(" ").map(Number);
  return {
    id: c.id,
    service,
    hash,
    status: c.status as InstanceStatus,
    dependsOn: (a[SERVICE_ANNOTATION.dependsOn] ?? "").split(",").filter(Boolean),
    stopSignal: Number.isInteger(signal) && signal! > 0 ? signal! : 15,
    stopGraceMs: Number.isFinite(grace) && grace! >= 0 ? grace! : 10_000,
  };
};

export const isLive = (i: Instance): boolean => i.status === "running" || i.status === "paused";
