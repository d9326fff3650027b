import { describe, expect, test } from "bun:test";
import { openStateJournal } from "../../../../runtime/durable/journal.ts";
import { defaultJournalDir } from "../../../../runtime/container/journal-dir.ts";
import { recordChanges } from "../../../../runtime/container/journal.ts";
import { tempDirs } from "../../../support/temp.ts";

const temp = tempDirs();

const dir = (): string => temp("journal-test-");

describe("recordChanges()", () => {
  test("records a container's life and what it should be", () => {
    const d = dir();
    recordChanges(d, [{ kind: "created", id: "a", bundle: "/b", pid: 7 }]);
    recordChanges(d, [{ kind: "started", id: "a", pid: 7, startTime: 99 }, { kind: "desired", id: "a", running: true }]);
    const j = openStateJournal(d);
    expect(j.state().containers.a).toMatchObject({ status: "running", pid: 7, shouldRun: true });
    j.close();
  });

  test("closes an earlier life of the same ID before a new creation", () => {
    const d = dir();
    recordChanges(d, [{ kind: "created", id: "a", bundle: "/old" }]);
    recordChanges(d, [{ kind: "created", id: "a", bundle: "/new" }]);
    const j = openStateJournal(d);
    expect(j.state().containers.a!.bundle).toBe("/new");
    j.close();
  });

  test("skips changes to a container the journal never saw created", () => {
    const d = dir();
    recordChanges(d, [{ kind: "deleted", id: "ghost" }]);
    const j = openStateJournal(d);
    expect(j.state().containers).toEqual({});
    j.close();
  });

  test("does nothing when journaling is off", () => {
    expect(() => recordChanges(null, [{ kind: "deleted", id: "x" }])).not.toThrow();
  });
});

describe("defaultJournalDir()", () => {
  test("keeps the default root's journal on persistent storage and puts nothing in a root given with --root", () => {
    expect(defaultJournalDir("/run/bunker")).toBe("/var/lib/bunker/journal");
    expect(defaultJournalDir("/tmp/r")).toBeNull();
  });
});
