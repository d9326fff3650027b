// Every record type bunker writes, by number, with the schema that encodes, validates and prints its payload.
// Numbers are forever: add new ones, never reuse. Readers skip numbers they do not know.
import { Type, type TSchema } from "@sinclair/typebox";
import { codecFor, type Codec } from "./schema-codec.ts";
import { CheckpointEnd, CheckpointHead, Chunk, ConfigText, TreeEntry, TreeStart } from "./checkpoint-records.ts";
import { ContainerState, Created, Deleted, Desired, Exited, OomKilled, ResourcesUpdated, Restarted, Resumed, Started, type LifecycleChange } from "./lifecycle.ts";

export interface RecordType {
  code: number;
  name: string;
  codec: Codec<unknown>;
}

/** Snapshot: how many container records follow (the sequence number is in the file header). */
export const SnapshotHead = Type.Object({ containers: Type.Integer({ minimum: 0 }) });

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
  // Snapshot, and a container's state wherever it is stored.
  [16, "snapshotHead", SnapshotHead],
  [17, "container", ContainerState],
  // Container checkpoint; its state is a "container" record.
  [32, "checkpointHead", CheckpointHead],
  [33, "config", ConfigText],
  [34, "entry", TreeEntry],
  [35, "chunk", Chunk],
  [36, "checkpointEnd", CheckpointEnd],
  [37, "tree", TreeStart],
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
