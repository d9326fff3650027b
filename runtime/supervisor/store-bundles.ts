// Image services from the image store: each instance gets its own root (the overlay of the image's unpacked layers
// with its own upper directory, or a flattened copy where overlayfs is missing), recorded as a use of the image so
// gc keeps its layers; removing the instance takes the root down. A root left under an instance's id (by a power
// cut, or a boot that emptied the state root) is a leftover: the instance being created is new.
import { existsSync } from "node:fs";
import { prepareRoot, releaseRoot } from "../../image/bundle/container-root.ts";
import { silentProgress } from "../../image/progress.ts";
import { ImageStore } from "../../image/store/store.ts";
import { hostRootHost } from "../../image/unpack/host.ts";
import { DEFAULT_MAX_LAYER_BYTES } from "../../image/unpack/layers.ts";
import type { ImageBundles } from "./image-bundles.ts";

export const storeBundles = (images: string): ImageBundles => {
  const host = hostRootHost();
  const withStore = async <T>(fn: (store: ImageStore) => T | Promise<T>): Promise<T> => {
    const store = ImageStore.open(images);
    try {
      return await fn(store);
    } finally {
      store.close();
    }
  };
  return {
    bundleFor: (ref, instance) =>
      withStore(async (store) => {
        releaseRoot(store, host, instance);
        // The store finds `name@sha256:…` by its digest, under whatever name the image was imported or pulled with.
        const root = await prepareRoot(store, host, {
          id: instance, ref, overrides: {},
          unpack: { maxLayerBytes: DEFAULT_MAX_LAYER_BYTES, chown: process.getuid?.() === 0, devices: false, progress: silentProgress },
        });
        return root.bundle;
      }),
    release(instance) {
      // Bundle services of a device without images: no store to open (opening would make one).
      if (!existsSync(images)) return;
      const store = ImageStore.open(images);
      try {
        releaseRoot(store, host, instance);
      } finally {
        store.close();
      }
    },
  };
};
