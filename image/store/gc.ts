// `bunker image gc`: removes what no name, pin or container reaches: blobs, unpacked layer directories, and
// container bundles the index no longer names. The index changes first, then the files go, so a cut leaves only
// unreferenced files (the next gc's work), never a reference to something removed.
import { join } from "node:path";
import { reach, storeRoots } from "./reach.ts";
import type { GcReport } from "../results.ts";
import type { ImageStore } from "./store.ts";

/** `isMountPoint`: a container's root still mounted is never removed, whatever the index says. */
export const collectGarbage = (store: ImageStore, opts: { partials?: boolean; isMountPoint?: (path: string) => boolean } = {}): GcReport => {
  const found = reach(store, storeRoots(store));
  const report: GcReport = { blobs: [], layers: [], containers: [], partials: [], freed: 0, keptPartials: [] };
  const l = store.layout;
  const dropped = new Set(store.index.layers.filter((x) => !found.diffIds.has(x.diffId)).map((x) => x.diffId));
  if (dropped.size) store.forget({ layers: dropped });
  // What is still recorded is reachable; any other directory (dropped, unfinished, unknown) goes.
  const recorded = new Set(store.index.layers.map((x) => x.diffId.slice(x.diffId.indexOf(":") + 1)));
  for (const name of store.deps.storage.list(l.layers)) {
    if (recorded.has(name)) continue;
    store.deps.removeTree(join(l.layers, name));
    report.layers.push(name);
  }
  const used = new Set(store.index.uses.map((u) => u.container));
  for (const id of store.deps.storage.list(l.containers)) {
    const dir = join(l.containers, id);
    if (used.has(id) || opts.isMountPoint?.(join(dir, "rootfs"))) continue;
    store.deps.removeTree(dir);
    report.containers.push(id);
  }
  for (const b of store.listBlobs()) {
    if (found.blobs.has(b.digest)) continue;
    store.removeBlob(b.digest);
    report.blobs.push(b);
    report.freed += b.size;
  }
  for (const p of store.listPartials()) {
    if (!opts.partials) {
      report.keptPartials.push(p);
      continue;
    }
    store.removePartial(p.digest);
    report.partials.push(p);
    report.freed += p.size;
  }
  return report;
};
