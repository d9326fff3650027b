// An image store on the fault storage: files with power-loss semantics, no real lock, a chosen amount of free
// space. Layer directories live in it too, as op logs replayed into an in-memory tree (layer-fs.ts).
import { FaultStorage } from "../../../runtime/durable/fault-storage.ts";
import type { Storage } from "../../../runtime/durable/storage.ts";
import { ImageStore, type StoreDeps } from "../../../image/store/store.ts";

export const STORE_DIR = "/s";

export const faultDeps = (storage: Storage, free = 2 ** 40): StoreDeps => ({
  storage,
  lock: () => ({ release() {} }),
  freeBytes: () => free,
  // A directory is an op-log file in the fault storage (layer-fs.ts): removing one is removing that file.
  removeTree: (path) => storage.remove(path),
  now: () => 1_700_000_000_000,
});

export const openFaultStore = (storage: Storage = new FaultStorage(), opts: { free?: number; checkpointBytes?: number } = {}): ImageStore =>
  ImageStore.open(STORE_DIR, { deps: faultDeps(storage, opts.free), checkpointBytes: opts.checkpointBytes ?? 4096 });
