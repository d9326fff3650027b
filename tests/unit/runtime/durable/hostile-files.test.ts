// Damaged and hostile files: truncated, bit-flipped, foreign, with huge lengths or from a newer version. Each must
// give a clean recovery or a clear error (an Error whose message names the action), never a crash or a huge allocation.
import { describe, expect, test } from "bun:test";
import { ByteWriter } from "../../../../runtime/durable/bytes.ts";
import { crc32c } from "../../../../runtime/durable/crc32c.ts";
import { FaultStorage, rng } from "../../../../runtime/durable/fault-storage.ts";
import { encodeHeader, encodeRecord } from "../../../../runtime/durable/frame.ts";
import { inspectFile } from "../../../../runtime/durable/inspect.ts";
import { openStateJournal } from "../../../../runtime/durable/journal.ts";
import type { LifecycleChange } from "../../../../runtime/durable/lifecycle.ts";
import { SECTOR } from "../../../../runtime/durable/storage.ts";

const changes: LifecycleChange[] = [
  { kind: "created", id: "a", bundle: "/srv/a" },
  { kind: "desired", id: "a", running: true },
  { kind: "started", id: "a", pid: 10, startTime: 5 },
  { kind: "exited", id: "a", status: 0 },
  { kind: "created", id: "b", bundle: "/srv/b" },
  { kind: "started", id: "b", pid: 11, startTime: 6 },
];

/** A journal directory with a snapshot (after 4 changes) and 2 journal records. */
const sample = (): FaultStorage => {
  const disk = new FaultStorage();
  const j = openStateJournal("/s", disk, { segmentBytes: 5 * SECTOR });
  for (const c of changes) j.record(c);
  return disk;
};

const replace = (disk: FaultStorage, path: string, bytes: Uint8Array): void => {
  disk.remove(path);
  disk.open(path, { create: true }).append(bytes);
};

/** Opens the journal: fine, or an Error of ours with a message; anything else fails the test. */
const outcome = (disk: FaultStorage): string => {
  try {
    const j = openStateJournal("/s", disk);
    inspectFile("/s/journal", disk);
    return `ok at ${j.state().seq}`;
  } catch (err) {
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).constructor.name).not.toMatch(/TypeError|RangeError|ReferenceError/);
    expect((err as Error).message).toMatch(/^[A-Z]/);
    return "refused";
  }
};

describe("hostile state files", () => {
  test("bit flips anywhere in the journal or the snapshot recover cleanly or are refused clearly", () => {
    const rand = rng(99);
    const seen = new Set<string>();
    for (const name of ["journal", "state.snap"]) {
      const original = sample().read(`/s/${name}`)!;
      for (let i = 0; i < 400; i++) {
        const disk = sample();
        const bytes = original.slice();
        const at = Math.floor(rand() * Math.min(bytes.length, name === "journal" ? 4 * SECTOR : bytes.length));
        bytes[at]! ^= 1 << Math.floor(rand() * 8);
        replace(disk, `/s/${name}`, bytes);
        seen.add(outcome(disk));
      }
    }
    expect(seen).toContain("refused");
    expect(seen).toContain("ok at 6");
  });

  test("truncated journals and snapshots recover cleanly or are refused clearly", () => {
    for (const name of ["journal", "state.snap"]) {
      const original = sample().read(`/s/${name}`)!;
      for (let len = 0; len < Math.min(original.length, 4 * SECTOR); len += 7) {
        const disk = sample();
        replace(disk, `/s/${name}`, original.subarray(0, len));
        outcome(disk);
      }
    }
  });

  test("a foreign file in the journal's place is replaced and reported, not trusted", () => {
    const disk = sample();
    replace(disk, "/s/journal", new TextEncoder().encode("#!/bin/sh\n".repeat(200)));
    const j = openStateJournal("/s", disk);
    expect(j.recovery.notes.join()).toContain("re-created the journal");
    expect(j.state().seq).toBe(4);
  });

  test("a snapshot announcing a huge record is refused without allocating it", () => {
    const disk = sample();
    const w = new ByteWriter().bytes(encodeHeader({ kind: "snapshot", seq: 4 })).u8(17).uvarint(2 ** 40);
    replace(disk, "/s/state.snap", w.take());
    expect(() => openStateJournal("/s", disk)).toThrow("Open state journal: snapshot '/s/state.snap' is unreadable");
  });

  test("a file needing a newer reader is refused with both versions named", () => {
    const disk = sample();
    const bytes = disk.read("/s/state.snap")!;
    bytes[5] = 2; // minReader, then the header checksum no longer matches: fix it as a newer writer would.
    new DataView(bytes.buffer).setUint32(16, crc32c(bytes, 0, 16), true);
    replace(disk, "/s/state.snap", bytes);
    let message = "";
    try {
      openStateJournal("/s", disk);
    } catch (err) {
      message = String((err as Error).cause);
    }
    expect(message).toContain("needs a reader of version 2; this bunker reads version 1");
  });

  test("journal records of a type from a newer version are skipped and later ones still apply", () => {
    const disk = new FaultStorage();
    const j = openStateJournal("/s", disk);
    j.record(changes[0]!);
    j.close();
    // Change 2 is of an unknown type 200; change 3 is an ordinary one, written by hand after it.
    const f = disk.open("/s/journal");
    const put = (sector: number, type: number, payload: Uint8Array): void => {
      const w = new ByteWriter();
      encodeRecord(w, type, payload);
      const out = new Uint8Array(SECTOR);
      out.set(w.written());
      f.writeAt(sector * SECTOR, out);
    };
    put(2, 200, new ByteWriter().uvarint(2).bytes(Uint8Array.of(9, 9, 9)).take());
    put(3, 8, new ByteWriter().uvarint(3).uvarint(1).bytes(new TextEncoder().encode("a")).u8(1).take());
    const again = openStateJournal("/s", disk);
    expect(again.recovery.notes).toEqual(["skipped change 2 of unknown type 'unknown(200)'"]);
    expect(again.state().containers.a!.shouldRun).toBe(true);
    expect(again.state().seq).toBe(3);
  });
});
