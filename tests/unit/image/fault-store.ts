// An image store on the fault storage: files with power-loss semantics, no real lock, a chosen amount of free
// space. Layer directories live in it too, as op logs replayed into an in-memory tree (fault-layer-fs.ts).
import { FaultStorage } from "../../../runtime/durable/fault-storage.ts";
import type { Storage } from "../../../runtime/durable/storage.ts";
import { ImageStore, type StoreDeps } from "../../../image/store/store.ts";

export const STORE_DIR = "/s";

export const faultDeps = (storage: Storage, free = 2 ** 40): StoreDeps => ({
  storage,
  lock: () => ({ release() {} }),
  freeBytes: () => free,
  // Directories are op-log files in the fault storage: removing one is removing its file (and anything under it).
  removeTree(path) {
    for (const name of storage.list(path.slice(0, path.lastIndexOf("/")))) if (`${path.slice(0, path.lastIndexOf("/"))}/${name}` === path) storage.remove(path);
  },
  now: () => 1_700_000_000_000,
});

export const openFaultStore = (storage: Storage = new FaultStorage(), opts: { free?: number; checkpointBytes?: number } = {}): ImageStore =>
  ImageStore.open(STORE_DIR, { deps: faultDeps(storage, opts.free), checkpointBytes: opts.checkpointBytes ?? 4096 });
