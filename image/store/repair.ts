// `bunker image verify --repair`: damaged blobs are removed, then each image that needs a removed or missing blob
// and has a registry name pulls exactly those blobs again. Images that came from an archive are named for a
// re-import.
import { parseReference } from "../reference.ts";
import type { Damage } from "../results.ts";
import type { ImageStore } from "./store.ts";
import { reach } from "./reach.ts";

export interface RepairPlan {
  /** Registry names to pull again, each with the blobs it needs. */
  pulls: { name: string; blobs: Set<string> }[];
  /** Names whose blobs only a re-import can bring back. */
  reimport: string[];
}

/** Removes the damaged blobs, and says which names can fetch what is now missing. */
export const planRepair = (store: ImageStore, damaged: readonly Damage[]): RepairPlan => {
  for (const d of damaged) if (d.digest && store.hasBlob(d.digest)) store.removeBlob(d.digest);
  const plan: RepairPlan = { pulls: [], reimport: [] };
  for (const image of store.index.images) {
    const { missing } = reach(store, [{ digest: image.digest, root: image.name }]);
    if (missing.size === 0) continue;
    let fromRegistry = false;
    try {
      fromRegistry = parseReference(image.name).host !== "localhost";
    } catch {
      // A digest name (an unnamed import): only a re-import brings it back.
    }
    if (fromRegistry) plan.pulls.push({ name: image.name, blobs: new Set(missing.keys()) });
    else plan.reimport.push(image.name);
  }
  return plan;
};
