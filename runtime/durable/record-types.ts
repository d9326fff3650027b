// Every record type bunker writes, by number, with the schema that encodes, validates and prints its payload.
// Numbers are forever: add new ones, never reuse. Readers skip numbers they do not know.
import { Type, type TSchema } from "@sinclair/typebox";
import { codecFor, type Codec } from "./schema-codec.ts";
import { CheckpointEnd, CheckpointHead, Chunk, ConfigText, ProcessImage, TreeEntry, TreeStart } from "./checkpoint-records.ts";
import { OtaState } from "./ota-records.ts";
import { ImageIndexHead, ImageName, ImagePin, ImageUse, IngestCheckpoint, UnpackedLayer } from "./image-records.ts";
import {
  ContainerState, Created, Deleted, Desired, Exited, OomKilled, ResourcesUpdated, Restarted, Resumed, Started, StepBegun, StepEnded, StepState, TargetSet, TargetState,
  type LifecycleChange,
} from "./lifecycle.ts";

export interface RecordType {
  code: number;
  name: string;
  codec: Codec<unknown>;
}

/** Snapshot: how many container records follow (the sequence number is in the file header). */
export const SnapshotHead = Type.Object({ containers: Type.Integer({ minimum: 0 }) });
/** Snapshot: which of the service manager's records follow the containers. */
export const SnapshotServices = Type.Object({ target: Type.Boolean(), step: Type.Boolean() });

const table: [number, string, TSchema][] = [
  // State journal: one record per lifecycle change; the payload is preceded by its sequence number (uvarint).
  [1, "created", Created],
  [2, "started", Started],
  [3, "exited", Exited],
  [4, "oomKilled", OomKilled],
  [5, "restarted", Restarted],
  [6, "deleted", Deleted],
  [7, "resourcesUpdated", ResourcesUpdated],
  [8, "desired", Desired],
  [9, "resumed", Resumed],
  [10, "target", TargetSet],
  [11, "stepBegun", StepBegun],
  [12, "stepEnded", StepEnded],
  // An over-the-air update's state, whole (the journal's last one wins; a snapshot holds it as it is).
  [13, "ota", OtaState],
  // Snapshot, and a container's state wherever it is stored.
  [16, "snapshotHead", SnapshotHead],
  [17, "container", ContainerState],
  [18, "snapshotServices", SnapshotServices],
  [19, "targetState", TargetState],
  [20, "stepState", StepState],
  // Container checkpoint; its state is a "container" record.
  [32, "checkpointHead", CheckpointHead],
  [33, "config", ConfigText],
  [34, "entry", TreeEntry],
  [35, "chunk", Chunk],
  [36, "checkpointEnd", CheckpointEnd],
  [37, "tree", TreeStart],
  // A process checkpoint: what CRIU's images (the tree named "criu") need from the restoring side.
  [38, "process", ProcessImage],
  // The image store's index (image/store/), and the checkpoint of a partial blob.
  [48, "imageIndexHead", ImageIndexHead],
  [49, "imageName", ImageName],
  [50, "imagePin", ImagePin],
  [51, "unpackedLayer", UnpackedLayer],
  [52, "imageUse", ImageUse],
  [53, "ingestCheckpoint", IngestCheckpoint],
];

export const recordTypes: ReadonlyMap<number, RecordType> = new Map(
  table.map(([code, name, schema]) => [code, { code, name, codec: codecFor(schema) as Codec<unknown> }]),
);

const byName = new Map([...recordTypes.values()].map((t) => [t.name, t]));

export const recordType = (name: string): RecordType => {
  const t = byName.get(name);
  if (!t) throw new Error(`Record type '${name}' is not registered`);
  return t;
};

export const changeType = (change: LifecycleChange): RecordType => recordType(change.kind);
