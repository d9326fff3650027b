// The compacted state: a header (kind snapshot, seq = last change included), a head record with the container
// count, then one record per container; when the service manager has a target or a step in progress, a second head
// saying which of them follow, then those records; then the last over-the-air update's state, if any. Complete only when every announced record is present.
import { ByteReader, ByteWriter, FormatError } from "./bytes.ts";
import { decodeHeader, encodeHeader, encodeRecord, HEADER_SIZE, readRecord } from "./frame.ts";
import type { ContainerState, DeviceModel, StepState, TargetState } from "./lifecycle.ts";
import type { OtaState } from "./ota-records.ts";
import { recordType, recordTypes, type RecordType } from "./record-types.ts";

/** Bound on one snapshot record: a container record is well under this, a target document at most 30 KiB. */
export const SNAPSHOT_MAX_RECORD = 64 * 1024;

const head = recordType("snapshotHead");
const container = recordType("container");
const servicesHead = recordType("snapshotServices");
const target = recordType("targetState");
const step = recordType("stepState");
const ota = recordType("ota");

export interface Snapshot {
  seq: number;
  containers: ContainerState[];
  target?: TargetState;
  step?: StepState;
  ota?: OtaState;
  skipped: number;
}

export const encodeSnapshot = (seq: number, model: DeviceModel): Uint8Array => {
  const list = [...model.containers.values()];
  const w = new ByteWriter(HEADER_SIZE + 64 * (list.length + 1) + (model.target?.document.length ?? 0));
  w.bytes(encodeHeader({ kind: "snapshot", seq }));
  const put = (type: RecordType, value: unknown): void => {
    const p = new ByteWriter(64);
    type.codec.encode(p, value);
    encodeRecord(w, type.code, p.written());
  };
  put(head, { containers: list.length });
  for (const c of list) put(container, c);
  if (model.target || model.step) {
    put(servicesHead, { target: model.target !== undefined, step: model.step !== undefined });
    if (model.target) put(target, model.target);
    if (model.step) put(step, model.step);
  }
  // Last, and alone: the snapshot is replaced whole (write, sync, rename), so it is there or the older one is.
  if (model.ota) put(ota, model.ota);
  return w.take();
};

/** Throws FormatError when the snapshot is damaged or incomplete; skips record types it does not know. */
export const decodeSnapshot = (buf: Uint8Array): Snapshot => {
  const header = decodeHeader(buf);
  if (header.kind !== "snapshot") throw new FormatError(`Expected a snapshot, found a ${header.kind} file`);
  let expected: number | undefined;
  let announced: { target: boolean; step: boolean } | undefined;
  const out: Snapshot = { seq: header.seq, containers: [], skipped: 0 };
  for (let pos = HEADER_SIZE; pos < buf.length; ) {
    const rec = readRecord(buf, pos, buf.length, SNAPSHOT_MAX_RECORD);
    if (!rec.ok) throw new FormatError(`Snapshot record at offset ${pos} is damaged: ${rec.reason}`);
    pos = rec.end;
    const r = new ByteReader(rec.payload);
    if (rec.type === head.code) expected = (head.codec.decode(r) as { containers: number }).containers;
    else if (rec.type === container.code) out.containers.push(container.codec.decode(r) as ContainerState);
    else if (rec.type === servicesHead.code) announced = servicesHead.codec.decode(r) as { target: boolean; step: boolean };
    else if (rec.type === target.code) out.target = target.codec.decode(r) as TargetState;
    else if (rec.type === step.code) out.step = step.codec.decode(r) as StepState;
    else if (rec.type === ota.code) out.ota = ota.codec.decode(r) as OtaState;
    else if (recordTypes.has(rec.type)) throw new FormatError(`Snapshot holds a '${recordTypes.get(rec.type)!.name}' record`);
    else out.skipped++;
  }
  if (expected === undefined) throw new FormatError("Snapshot has no head record");
  if (out.containers.length !== expected) throw new FormatError(`Snapshot announces ${expected} containers and holds ${out.containers.length}`);
  const holds = { target: out.target !== undefined, step: out.step !== undefined };
  if ((announced?.target ?? false) !== holds.target || (announced?.step ?? false) !== holds.step)
    throw new FormatError(`Snapshot announces ${JSON.stringify(announced ?? {})} of the service manager and holds ${JSON.stringify(holds)}`);
  return out;
};
