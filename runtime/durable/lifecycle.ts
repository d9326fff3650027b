// What the state journal records: container lifecycle changes, the service manager's target and steps, and the
// device state they add up to.
import { Type, type Static } from "@sinclair/typebox";
import type { ContainerStatus } from "../spec/state.ts";
import { OtaState } from "./ota-records.ts";

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

/** The service manager's target state document, as applied (bounded: one record must fit the journal). */
export const TargetSet = Type.Object({
  kind: Type.Literal("target"),
  file: Type.String({ maxLength: 1024 }),
  version: Type.String({ maxLength: 128 }),
  document: Type.String({ maxLength: 30 * 1024 }),
});
const StepFields = {
  service: Type.String({ minLength: 1, maxLength: 64 }),
  action: Type.String({ maxLength: 32 }),
  detail: Type.String({ maxLength: 2048 }),
};
/** A step of the service manager began: until its end is recorded, a restarted daemon knows it was cut short. */
export const StepBegun = Type.Object({ kind: Type.Literal("stepBegun"), ...StepFields });
export const StepEnded = Type.Object({ kind: Type.Literal("stepEnded"), ...StepFields, outcome: Type.Union([Type.Literal("done"), Type.Literal("failed")]) });

export const LifecycleChange = Type.Union([Created, Started, Exited, OomKilled, Restarted, Deleted, ResourcesUpdated, Desired, Resumed, TargetSet, StepBegun, StepEnded, OtaState]);
/** The changes that concern no container: the device's own. */
export type DeviceChange = Extract<LifecycleChange, { kind: "resumed" | "target" | "stepBegun" | "stepEnded" | "ota" }>;
/** The changes that concern one container. */
export type ContainerChange = Exclude<LifecycleChange, DeviceChange>;
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

export const TargetState = Type.Object({ file: TargetSet.properties.file, version: TargetSet.properties.version, document: TargetSet.properties.document });
export type TargetState = Static<typeof TargetState>;
export const StepState = Type.Object(StepFields);
export type StepState = Static<typeof StepState>;

export const DeviceState = Type.Object({
  /** Sequence number of the last change included. */
  seq: Count,
  containers: Type.Record(Type.String(), ContainerState),
  /** The service manager's last target. */
  target: Type.Optional(TargetState),
  /** A service manager step begun and not ended. */
  step: Type.Optional(StepState),
  /** The last over-the-air update, as its last record left it. */
  ota: Type.Optional(OtaState),
});
export type DeviceState = Static<typeof DeviceState>;

/** What the journal's changes add up to, in memory. */
export interface DeviceModel {
  containers: Map<string, ContainerState>;
  target?: TargetState;
  step?: StepState;
  ota?: OtaState;
}

export const emptyModel = (): DeviceModel => ({ containers: new Map() });

const isDeviceChange = (c: LifecycleChange): c is DeviceChange => !("id" in c);

/** Why `change` cannot apply to `model`, or undefined when it can. */
export const refuseChange = (model: DeviceModel, change: LifecycleChange): string | undefined => {
  if (isDeviceChange(change)) return undefined;
  const exists = model.containers.has(change.id);
  if (change.kind === "created") return exists ? `container '${change.id}' already exists` : undefined;
  return exists ? undefined : `container '${change.id}' does not exist`;
};

const applyDeviceChange = (model: DeviceModel, change: DeviceChange): void => {
  if (change.kind === "target") model.target = { file: change.file, version: change.version, document: change.document };
  else if (change.kind === "stepBegun") model.step = { service: change.service, action: change.action, detail: change.detail };
  else if (change.kind === "stepEnded") delete model.step;
  else if (change.kind === "ota") model.ota = structuredClone(change);
};

/** Applies a change that `refuseChange` accepted, in place. */
export const applyChange = (model: DeviceModel, change: LifecycleChange): void => {
  if (isDeviceChange(change)) return applyDeviceChange(model, change);
  const containers = model.containers;
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
export const deviceState = (seq: number, model: DeviceModel): DeviceState => {
  const out: DeviceState = { seq, containers: {}, ...(model.target ? { target: { ...model.target } } : {}), ...(model.step ? { step: { ...model.step } } : {}), ...(model.ota ? { ota: structuredClone(model.ota) } : {}) };
  for (const [id, c] of model.containers) out.containers[id] = stripUndefined({ ...c });
  return out;
};

/** A copy to check changes against before they are written (applyChange changes the model in place). */
export const copyModel = (model: DeviceModel): DeviceModel => ({
  containers: new Map([...model.containers].map(([id, c]) => [id, { ...c }])),
  ...(model.target ? { target: model.target } : {}),
  ...(model.step ? { step: model.step } : {}),
  ...(model.ota ? { ota: model.ota } : {}),
});

const stripUndefined = <T extends object>(o: T): T => {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
};
