// Where an update keeps its state: its record in the state journal (the service manager's journal, opened per record
// as every command opens it), and two documents beside the journal, each replaced atomically and durably: the
// verified update in progress (`ota/pending.json`) and the last-known-good target (`ota/last-known-good.json`).
import { join } from "node:path";
import { writeFileAtomic } from "../durable/atomic-file.ts";
import type { StateJournal } from "../durable/journal.ts";
import type { OtaState } from "../durable/ota-records.ts";
import { openLockedJournal } from "../container/journal.ts";
import { fsStorage, type Storage } from "../durable/storage.ts";
import type { OtaFile, OtaFiles, OtaJournal } from "./ota-update.ts";

/** `open`: the journal, opened (and locked) for one read or record and closed after it. */
export const journalOta = (open: () => StateJournal): OtaJournal => {
  const once = <T>(fn: (j: StateJournal) => T): T => {
    const j = open();
    try {
      return fn(j);
    } finally {
      j.close();
    }
  };
  return {
    state: () => once((j) => j.state().ota),
    record: (s) => once((j) => j.record(s)),
  };
};

/** The last update's state for `status`, or nothing (no journal, or no update yet). */
export const lastUpdate = (dir: string | null): { update?: OtaState } => {
  if (dir === null) return {};
  const state = journalOta(() => openLockedJournal(dir)).state();
  return state ? { update: state } : {};
};

export const otaDir = (journalDir: string): string => join(journalDir, "ota");

export const otaFiles = (dir: string, storage: Storage = fsStorage()): OtaFiles => {
  const path = (name: OtaFile): string => join(dir, `${name}.json`);
  return {
    read(name) {
      const bytes = storage.read(path(name));
      return bytes === undefined ? undefined : Buffer.from(bytes).toString("utf8");
    },
    write(name, text) {
      storage.ensureDir(dir);
      writeFileAtomic(path(name), text, { durable: true, mode: 0o600 }, storage);
    },
    remove(name) {
      if (storage.size(path(name)) === undefined) return;
      storage.remove(path(name));
      storage.fsyncDir(dir);
    },
  };
};
