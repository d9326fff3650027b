import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FaultStorage } from "../../../../runtime/durable/fault-storage.ts";
import { openStateJournal } from "../../../../runtime/durable/journal.ts";
import type { LifecycleChange } from "../../../../runtime/durable/lifecycle.ts";
import type { OtaState } from "../../../../runtime/durable/ota-records.ts";
import { SECTOR } from "../../../../runtime/durable/storage.ts";

const life: LifecycleChange[] = [
  { kind: "created", id: "web", bundle: "/srv/web" },
  { kind: "desired", id: "web", running: true },
  { kind: "started", id: "web", pid: 4242, startTime: 123456 },
  { kind: "oomKilled", id: "web" },
  { kind: "exited", id: "web", signal: 9 },
  { kind: "restarted", id: "web", count: 1 },
  { kind: "started", id: "web", pid: 4300, startTime: 123999 },
  { kind: "resourcesUpdated", id: "web", resources: '{"memory":{"limit":67108864}}' },
  { kind: "created", id: "tmp", bundle: "/srv/tmp", pid: 77 },
  { kind: "exited", id: "tmp", status: 3 },
  { kind: "deleted", id: "tmp" },
];

describe("openStateJournal", () => {
  test("starts empty and gives back every recorded change after a reopen", () => {
    const disk = new FaultStorage();
    const j = openStateJournal("/state", disk);
    expect(j.state()).toEqual({ seq: 0, containers: {} });
    for (const c of life) j.record(c);
    const before = j.state();
    j.close();
    const again = openStateJournal("/state", disk);
    expect(again.state()).toEqual(before);
    expect(again.recovery).toEqual({ snapshotSeq: 0, replayed: life.length, lastSeq: life.length, dropped: undefined, notes: [] });
    expect(before.containers.web).toEqual({
      id: "web", bundle: "/srv/web", status: "running", pid: 4300, startTime: 123999, oomKilled: false, restarts: 1,
      resources: '{"memory":{"limit":67108864}}', shouldRun: true,
    });
    expect(before.containers.tmp).toBeUndefined();
  });

  test("keeps the service manager's target and the step in progress, through a reopen and a compaction", () => {
    const disk = new FaultStorage();
    const j = openStateJournal("/state", disk, { segmentBytes: 8 * SECTOR });
    const document = JSON.stringify({ device: "d", version: "2", services: { web: { bundle: "/b", env: { X: "y".repeat(900) } } } });
    j.record({ kind: "target", file: "t.json", version: "2", document });
    j.record({ kind: "stepBegun", service: "web", action: "start", detail: "start web" });
    expect(openStateJournal("/state", disk).state()).toMatchObject({ target: { file: "t.json", version: "2", document }, step: { service: "web", action: "start" } });
    j.record({ kind: "stepEnded", service: "web", action: "start", detail: "start web", outcome: "done" });
    // Enough container changes to fill the segment: the target must come back from the snapshot.
    for (const c of life) j.record(c);
    const again = openStateJournal("/state", disk);
    expect(again.recovery.snapshotSeq).toBeGreaterThan(0);
    expect(again.state()).toEqual(j.state());
    expect(again.state().target?.document).toBe(document);
    expect(again.state().step).toBeUndefined();
  });

  test("keeps the last update's record (the last one wins) through a reopen and a compaction", () => {
    const disk = new FaultStorage();
    const j = openStateJournal("/state", disk, { segmentBytes: 8 * SECTOR });
    const ota: OtaState = { kind: "ota", version: "2", from: "1", phase: "download", entries: 1, rollback: "service", installed: "1", services: [{ name: "web", outcome: "switched" }] };
    j.record(ota);
    j.record({ ...ota, phase: "gate", services: [{ name: "web", outcome: "rolled-back", reason: "crash-loop: 5 exits" }] });
    expect(openStateJournal("/state", disk).state().ota).toMatchObject({ phase: "gate", services: [{ name: "web", outcome: "rolled-back" }] });
    for (const c of life) j.record(c);
    const again = openStateJournal("/state", disk);
    expect(again.recovery.snapshotSeq).toBeGreaterThan(0);
    expect(again.state()).toEqual(j.state());
    expect(again.state().ota?.phase).toBe("gate");
  });

  test("costs one sector write and one fsync per change", () => {
    const disk = new FaultStorage();
    const j = openStateJournal("/state", disk);
    const { writes, fsyncs, bytes } = disk.counters;
    for (const c of life) j.record(c);
    expect(disk.counters.writes - writes).toBe(life.length);
    expect(disk.counters.fsyncs - fsyncs).toBe(life.length);
    expect(disk.counters.bytes - bytes).toBe(life.length * SECTOR);
  });

  test("compacts into a snapshot when the segment is full and recovers from both", () => {
    const disk = new FaultStorage();
    const j = openStateJournal("/state", disk, { segmentBytes: 4 * SECTOR });
    for (const c of life) j.record(c);
    const again = openStateJournal("/state", disk);
    expect(again.state()).toEqual(j.state());
    expect(again.recovery.snapshotSeq).toBe(9);
    expect(again.recovery.replayed).toBe(2);
  });

  test("refuses invalid changes and changes to unknown containers without writing", () => {
    const disk = new FaultStorage();
    const j = openStateJournal("/state", disk);
    const writes = disk.counters.writes;
    expect(() => j.record({ kind: "started", id: "ghost", pid: 1, startTime: 0 })).toThrow("Record lifecycle change 'started': container 'ghost' does not exist");
    expect(() => j.record({ kind: "exited", id: "web", status: 300 } as LifecycleChange)).toThrow("is invalid");
    j.record(life[0]!);
    expect(() => j.record(life[0]!)).toThrow("already exists");
    expect(disk.counters.writes - writes).toBe(1);
  });

  test("zeroes a torn tail at open and reports it", () => {
    const disk = new FaultStorage();
    const j = openStateJournal("/state", disk);
    for (const c of life.slice(0, 3)) j.record(c);
    const garbage = disk.open("/state/journal");
    garbage.writeAt(4 * SECTOR, new Uint8Array(SECTOR).fill(0xa5));
    const again = openStateJournal("/state", disk);
    expect(again.state()).toEqual(j.state());
    expect(again.recovery.dropped).toEqual({ offset: 4 * SECTOR, bytes: SECTOR, reason: expect.stringContaining("longer than 8 bytes") });
    again.record(life[3]!);
    const third = openStateJournal("/state", disk);
    expect(third.recovery.dropped).toBeUndefined();
    expect(third.state().containers.web!.oomKilled).toBe(true);
  });

  test("works on a real directory with O_DIRECT writes", () => {
    const dir = mkdtempSync(join(tmpdir(), "bunker-journal-"));
    try {
      const j = openStateJournal(join(dir, "state"));
      for (const c of life) j.record(c);
      j.close();
      expect(openStateJournal(join(dir, "state")).state()).toEqual(j.state());
      expect(readFileSync(join(dir, "state", "journal")).length).toBe(256 * 1024);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  test("names the snapshot when it is damaged", () => {
    const dir = mkdtempSync(join(tmpdir(), "bunker-journal-"));
    try {
      const j = openStateJournal(dir, undefined, { segmentBytes: 2 * SECTOR });
      for (const c of life.slice(0, 3)) j.record(c);
      const snap = readFileSync(join(dir, "state.snap"));
      snap[snap.length - 2]! ^= 1;
      writeFileSync(join(dir, "state.snap"), snap);
      expect(() => openStateJournal(dir)).toThrow(`Open state journal: snapshot '${join(dir, "state.snap")}' is unreadable`);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});

describe("recordAll()", () => {
  test("writes a group of changes with one fsync, and checks them all before writing any", () => {
    const disk = new FaultStorage();
    const j = openStateJournal("/j", disk);
    const before = disk.counters.fsyncs;
    j.recordAll([
      { kind: "created", id: "g", bundle: "/b" },
      { kind: "started", id: "g", pid: 5, startTime: 1 },
      { kind: "desired", id: "g", running: true },
    ]);
    expect(disk.counters.fsyncs - before).toBe(1);
    expect(j.state().containers.g).toMatchObject({ status: "running", shouldRun: true });
    expect(() => j.recordAll([{ kind: "deleted", id: "g" }, { kind: "started", id: "nope", pid: 1, startTime: 1 }])).toThrow("does not exist");
    expect(j.state().containers.g).toBeDefined();
    j.close();
  });
});
