// What the state journal records: container lifecycle changes and the device state they add up to.
import { Type, type Static } from "@sinclair/typebox";
import type { ContainerStatus } from "../spec/state.ts";

const Id = Type.String({ minLength: 1, maxLength: 1024 });
const Count = Type.Integer({ minimum: 0 });
const Pid = Type.Integer({ minimum: 1 });
const Signal = Type.Integer({ minimum: 1, maximum: 128 });
const ExitStatus = Type.Integer({ minimum: 0, maximum: 255 });
/** Process start time in clock ticks since boot (/proc/PID/stat field 22): tells a reused PID from ours. */
const StartTime = Type.Integer({ minimum: 0 });
/** Resources as the OCI JSON text: kept as text so this schema does not repeat the spec's. */
const ResourcesJson = Type.String({ maxLength: 8192 });

export const Created = Type.Object({ kind: Type.Literal("created"), id: Id, bundle: Type.String({ minLength: 1, maxLength: 4096 }), pid: Type.Optional(Pid) });
export const Started = Type.Object({ kind: Type.Literal("started"), id: Id, pid: Pid, startTime: StartTime });
export const Exited = Type.Union([
  Type.Object({ kind: Type.Literal("exited"), id: Id, status: ExitStatus }),
  Type.Object({ kind: Type.Literal("exited"), id: Id, signal: Signal }),
]);
export const OomKilled = Type.Object({ kind: Type.Literal("oomKilled"), id: Id });
export const Restarted = Type.Object({ kind: Type.Literal("restarted"), id: Id, count: Count });
export const Deleted = Type.Object({ kind: Type.Literal("deleted"), id: Id });
export const ResourcesUpdated = Type.Object({ kind: Type.Literal("resourcesUpdated"), id: Id, resources: ResourcesJson });
export const Desired = Type.Object({ kind: Type.Literal("desired"), id: Id, running: Type.Boolean() });
/** What `bunker resume` found at boot: a device-wide entry that changes no container. */
export const Resumed = Type.Object({
  kind: Type.Literal("resumed"),
  powerCut: Type.Boolean(),
  droppedBytes: Count,
  replayed: Count,
});

export const LifecycleChange = Type.Union([Created, Started, Exited, OomKilled, Restarted, Deleted, ResourcesUpdated, Desired, Resumed]);
/** The changes that concern one container. */
export type ContainerChange = Exclude<LifecycleChange, { kind: "resumed" }>;
export type LifecycleChange = Static<typeof LifecycleChange>;

/** The OCI statuses the journal records, in this order (the binary payload numbers them). */
const RECORDED_STATUSES = ["created", "running", "stopped"] as const satisfies readonly ContainerStatus[];
const RecordedStatus = Type.Union(RECORDED_STATUSES.map((s) => Type.Literal(s)));

export const ContainerState = Type.Object({
  id: Id,
  bundle: Type.String({ maxLength: 4096 }),
  status: RecordedStatus,
  pid: Type.Optional(Pid),
  startTime: Type.Optional(StartTime),
  exitStatus: Type.Optional(ExitStatus),
  exitSignal: Type.Optional(Signal),
  oomKilled: Type.Boolean(),
  restarts: Count,
  resources: Type.Optional(ResourcesJson),
  /** The desired state: whether `bunker resume` should bring it back. */
  shouldRun: Type.Boolean(),
});
export type ContainerState = Static<typeof ContainerState>;

export const DeviceState = Type.Object({
  /** Sequence number of the last change included. */
  seq: Count,
  containers: Type.Record(Type.String(), ContainerState),
});
export type DeviceState = Static<typeof DeviceState>;

/** Why `change` cannot apply to `containers`, or undefined when it can. */
export const refuseChange = (containers: ReadonlyMap<string, ContainerState>, change: LifecycleChange): string | undefined => {
  if (change.kind === "resumed") return undefined;
  const exists = containers.has(change.id);
  if (change.kind === "created") return exists ? `container '${change.id}' already exists` : undefined;
  return exists ? undefined : `container '${change.id}' does not exist`;
};

/** Applies a change that `refuseChange` accepted, in place. */
export const applyChange = (containers: Map<string, ContainerState>, change: LifecycleChange): void => {
  if (change.kind === "resumed") return;
  if (change.kind === "created") {
    containers.set(change.id, { id: change.id, bundle: change.bundle, status: "created", pid: change.pid, oomKilled: false, restarts: 0, shouldRun: false });
    return;
  }
  if (change.kind === "deleted") {
    containers.delete(change.id);
    return;
  }
  const c = containers.get(change.id)!;
  switch (change.kind) {
    case "started":
      Object.assign(c, { status: "running", pid: change.pid, startTime: change.startTime, exitStatus: undefined, exitSignal: undefined, oomKilled: false });
      break;
    case "exited":
      c.status = "stopped";
      c.exitStatus = "status" in change ? change.status : undefined;
      c.exitSignal = "signal" in change ? change.signal : undefined;
      break;
    case "oomKilled":
      c.oomKilled = true;
      break;
    case "restarted":
      c.restarts = change.count;
      break;
    case "resourcesUpdated":
      c.resources = change.resources;
      break;
    case "desired":
      c.shouldRun = change.running;
      break;
  }
};

/** A plain, detached copy of the state (what `state()` hands out and what snapshots hold). */
export const deviceState = (seq: number, containers: ReadonlyMap<string, ContainerState>): DeviceState => {
  const out: DeviceState = { seq, containers: {} };
  for (const [id, c] of containers) out.containers[id] = stripUndefined({ ...c });
  return out;
};

const stripUndefined = <T extends object>(o: T): T => {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
};
