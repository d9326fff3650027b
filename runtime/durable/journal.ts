// The state journal: what bunker did to which container, durable before `record()` returns, recovered at open.
// Files in `dir`: `journal` (a fixed-size segment, see journal-segment.ts) and `state.snap` (the compacted state,
// replaced by write-new-then-rename, see docs/checkpoint-format.md for why).
import { join } from "node:path";
import { Type, type Static } from "@sinclair/typebox";
import { writeFileAtomic } from "./atomic-file.ts";
import { schemaCheck } from "./schema-check.ts";
import { FormatError } from "./bytes.ts";
import { DEFAULT_SEGMENT_BYTES, emptySegment, encodeEntry, headerSector, scanSegment } from "./journal-segment.ts";
import { applyChange, copyModel, deviceState, emptyModel, LifecycleChange, refuseChange, type DeviceState } from "./lifecycle.ts";
import { decodeSnapshot, encodeSnapshot } from "./snapshot.ts";
import { fsStorage, SECTOR, type Storage, type StorageFile } from "./storage.ts";

const Count = Type.Integer({ minimum: 0 });

export const RecoveryReport = Type.Object({
  /** Last sequence number held by the snapshot (0 without one). */
  snapshotSeq: Count,
  /** Journal records applied on top of it. */
  replayed: Count,
  lastSeq: Count,
  /** A torn write found at the journal's tail and zeroed: the change in flight when the power went. */
  dropped: Type.Optional(Type.Object({ offset: Count, bytes: Count, reason: Type.String() })),
  /** Other repairs made while opening (leftover temporary files, a journal re-created). */
  notes: Type.Array(Type.String()),
});
export type RecoveryReport = Static<typeof RecoveryReport>;

export interface StateJournal {
  readonly recovery: RecoveryReport;
  state(): DeviceState;
  /** Returns once the change is durable; throws without recording when the change does not apply. */
  record(change: LifecycleChange): void;
  /** Several changes, durable together when it returns (one sync); after a power cut, a prefix of them may survive.
   * All are checked before any is written. */
  recordAll(changes: readonly LifecycleChange[]): void;
  close(): void;
}

export interface JournalOptions {
  /** Size of the journal segment; compaction runs when it is full. */
  segmentBytes?: number;
}

const checkChange = schemaCheck(LifecycleChange);

export const openStateJournal = (dir: string, storage: Storage = fsStorage(), opts: JournalOptions = {}): StateJournal => {
  const paths = { journal: join(dir, "journal"), snap: join(dir, "state.snap") };
  const tmp = (p: string): string => `${p}.tmp`;
  const notes: string[] = [];
  const model = emptyModel();
  storage.ensureDir(dir);

  for (const p of [tmp(paths.journal), tmp(paths.snap)])
    if (storage.read(p) !== undefined) {
      storage.remove(p);
      notes.push(`removed the unfinished '${p}'`);
    }

  let snapshotSeq = 0;
  const snapBytes = storage.read(paths.snap);
  if (snapBytes !== undefined) {
    try {
      const snap = decodeSnapshot(snapBytes);
      snapshotSeq = snap.seq;
      for (const c of snap.containers) model.containers.set(c.id, c);
      if (snap.target) model.target = snap.target;
      if (snap.step) model.step = snap.step;
      if (snap.ota) model.ota = snap.ota;
    } catch (err) {
      throw new Error(`Open state journal: snapshot '${paths.snap}' is unreadable`, { cause: err });
    }
  }
  let seq = snapshotSeq;

  const replaceFile = (path: string, bytes: Uint8Array, direct: boolean): void =>
    writeFileAtomic(path, bytes, { durable: true, direct, mode: 0o600 }, storage);

  let segmentBytes = Math.max(2 * SECTOR, Math.ceil((opts.segmentBytes ?? DEFAULT_SEGMENT_BYTES) / SECTOR) * SECTOR);
  let tail = SECTOR;
  let dropped: RecoveryReport["dropped"];
  let replayed = 0;
  const journalBytes = storage.read(paths.journal);
  let scan: ReturnType<typeof scanSegment> | undefined;
  if (journalBytes !== undefined) {
    try {
      if (journalBytes.length % SECTOR !== 0 || journalBytes.length < 2 * SECTOR) throw new FormatError(`its size ${journalBytes.length} is not a segment of whole sectors`);
      scan = scanSegment(journalBytes);
      segmentBytes = journalBytes.length;
    } catch (err) {
      notes.push(`re-created the journal: ${(err as Error).message}`);
    }
  }
  if (scan) {
    if (scan.firstSeq > snapshotSeq + 1)
      throw new Error(`Open state journal: '${paths.journal}' starts at change ${scan.firstSeq} but the snapshot ends at ${snapshotSeq}: changes are missing`);
    for (const e of scan.entries) {
      if (e.seq <= snapshotSeq) continue;
      seq = e.seq;
      if (!e.change) notes.push(`skipped change ${e.seq} of unknown type '${e.type}'`);
      else {
        const refused = refuseChange(model, e.change);
        if (refused) notes.push(`skipped change ${e.seq} ('${e.change.kind}'): ${refused}`);
        else applyChange(model, e.change);
      }
      replayed++;
    }
    tail = scan.tail;
    dropped = scan.dropped;
  } else replaceFile(paths.journal, emptySegment(segmentBytes, snapshotSeq + 1), true);

  let file: StorageFile | undefined = storage.open(paths.journal, { direct: true });
  if (dropped) {
    file.writeAt(dropped.offset, new Uint8Array(dropped.bytes));
    file.fsync();
  }

  const compact = (): void => {
    replaceFile(paths.snap, encodeSnapshot(seq, model), false);
    // No fsync here: the next record's fsync carries the header too, and a header lost before it only looks like
    // an interrupted compaction, which the next open finishes.
    journalFile().writeAt(0, headerSector(seq + 1));
    tail = SECTOR;
  };

  const journalFile = (): StorageFile => {
    if (!file) throw new Error(`Record lifecycle change: the state journal in '${dir}' is closed or failed; reopen it`);
    return file;
  };

  // A journal left behind by an interrupted compaction starts at or below the snapshot: finish that compaction.
  if (scan && scan.firstSeq <= snapshotSeq) {
    compact();
    notes.push(`finished an interrupted compaction at change ${seq}`);
  }

  const failed = (change: LifecycleChange, err: unknown): Error => {
    // What reached the disk is unknown now: refuse further changes until a reopen recovers.
    file?.close();
    file = undefined;
    return new Error(`Record lifecycle change '${change.kind}'${"id" in change ? ` for '${change.id}'` : ""}: the journal write failed`, { cause: err });
  };

  /** Writes each change after the last (all checked first), then syncs once: a group commit. */
  const recordAll = (changes: readonly LifecycleChange[]): void => {
    // Checked against a copy: applyChange changes container states in place.
    const pending = copyModel(model);
    const entries = changes.map((change, i) => {
      if (!checkChange.Check(change)) {
        const e = checkChange.First(change);
        throw new Error(`Record lifecycle change: '${e?.path ?? ""}' is invalid: ${e?.message ?? "no detail"}`);
      }
      const refused = refuseChange(pending, change);
      if (refused) throw new Error(`Record lifecycle change '${change.kind}': ${refused}`);
      applyChange(pending, change);
      const entry = encodeEntry(seq + 1 + i, change);
      if (entry.length > segmentBytes - SECTOR) throw new Error(`Record lifecycle change '${change.kind}': ${entry.length} bytes do not fit a journal of ${segmentBytes}`);
      return entry;
    });
    const f = journalFile();
    changes.forEach((change, i) => {
      const entry = entries[i]!;
      try {
        if (tail + entry.length > segmentBytes) compact();
        f.writeAt(tail, entry);
      } catch (err) {
        throw failed(change, err);
      }
      seq++;
      tail += entry.length;
      applyChange(model, change);
    });
    try {
      if (changes.length) f.fsync();
    } catch (err) {
      throw failed(changes[changes.length - 1]!, err);
    }
  };

  return {
    recovery: { snapshotSeq, replayed, lastSeq: seq, dropped, notes },
    state: () => deviceState(seq, model),
    record: (change) => recordAll([change]),
    recordAll,
    close() {
      file?.close();
      file = undefined;
    },
  };
};
