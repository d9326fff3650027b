// The image store as an update uses it: the space budget of every new image from the registry's manifests before
// any blob is written, resumable pulls, a re-hash of each image's blobs and the unpacking of its layers before the
// switch, and the pin sets ("running", "last-known-good") that keep gc off what runs and what a rollback needs.
import type { PlatformWant } from "../../image/platform.ts";
import type { Progress } from "../../image/progress.ts";
import { pullImage, resolveRemote, type RemoteImage } from "../../image/registry/pull.ts";
import type { RegistryOptions } from "../../image/registry/client.ts";
import { loadImage } from "../../image/store/load.ts";
import { ImageStore, type BlobRef } from "../../image/store/store.ts";
import { verifyStore } from "../../image/store/verify.ts";
import { hostLayerFs } from "../../image/unpack/host.ts";
import { DEFAULT_MAX_LAYER_BYTES, ensureLayerDir } from "../../image/unpack/layers.ts";
import type { OtaImages } from "./ota-update.ts";

export interface StoreImagesOptions {
  images: string;
  platform: PlatformWant;
  registry: RegistryOptions;
  progress: Progress;
  onWait?(): void;
}

/** `name@sha256:...`: the digest the target pins (an index or a manifest). */
const digestOf = (ref: string): string => ref.slice(ref.lastIndexOf("@") + 1);

/** Whether every blob of the image `ref` names is stored. */
const stored = (store: ImageStore, ref: string): boolean => {
  try {
    const image = loadImage(store, digestOf(ref));
    return [image.manifest.config, ...image.manifest.layers].every((b) => store.hasBlob(b.digest));
  } catch {
    return false;
  }
};

export const storeOtaImages = (o: StoreImagesOptions): OtaImages => {
  const remotes = new Map<string, RemoteImage>();
  const open = (): ImageStore => ImageStore.open(o.images, { onWait: o.onWait });
  const withStore = async <T>(fn: (store: ImageStore) => Promise<T> | T): Promise<T> => {
    const store = open();
    try {
      return await fn(store);
    } finally {
      store.close();
    }
  };
  const remote = async (ref: string): Promise<RemoteImage> => {
    let r = remotes.get(ref);
    if (!r) remotes.set(ref, (r = await resolveRemote({ ref, platform: o.platform, ...o.registry })));
    return r;
  };
  return {
    budget: (refs, what) =>
      withStore(async (store) => {
        const blobs = new Map<string, BlobRef>();
        for (const ref of refs) if (!stored(store, ref)) for (const b of (await remote(ref)).image.blobs) blobs.set(b.digest, b);
        store.requireSpace([...blobs.values()], what);
      }),
    fetch: (ref) =>
      withStore(async (store) => {
        if (!stored(store, ref)) await pullImage({ store, ref, platform: o.platform, progress: o.progress, ...o.registry }, await remote(ref));
      }),
    stage: (ref) =>
      withStore(async (store) => {
        const digest = digestOf(ref);
        const report = await verifyStore(store, { roots: [{ digest, root: ref }], progress: o.progress });
        const bad = [...report.damaged, ...report.missing];
        if (bad.length) {
          // Gone from the store, so that the next try of the update fetches exactly these blobs again.
          for (const b of report.damaged) if (b.digest) store.removeBlob(b.digest);
          throw new Error(`Image '${ref}': ${bad.map((b) => `${b.digest || "index"} ${b.problem}`).join("; ")}`);
        }
        const image = loadImage(store, digest);
        const fs = hostLayerFs();
        for (const [i, layer] of image.layers.entries())
          await ensureLayerDir(store, fs, layer, { maxLayerBytes: DEFAULT_MAX_LAYER_BYTES, chown: process.getuid?.() === 0, devices: false, progress: o.progress }, `layer ${i + 1} of '${ref}'`);
      }),
    setPins(set, refs) {
      const store = open();
      try {
        store.setPins(set, refs.map(digestOf));
      } finally {
        store.close();
      }
    },
  };
};
