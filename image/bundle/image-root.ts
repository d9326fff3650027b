// A container from an image, around the lifecycle's own create: the root and bundle are made in the store (under
// its lock), then handed to `make` (create or run); if that fails, the root is taken down again, so a failed
// `create --image` leaves no overlay mount, upper directory, bundle or use behind. Deleting the container later
// releases the root (delete reads the store's path from the container's annotations).
import { describeError } from "../../runtime/errors.ts";
import { silentProgress, type Progress } from "../progress.ts";
import { ImageStore, type OpenOptions } from "../store/store.ts";
import type { RootHost } from "../unpack/root-host.ts";
import { DEFAULT_MAX_LAYER_BYTES } from "../unpack/layers.ts";
import { prepareRoot, releaseRoot, remountRoots, type PreparedRoot } from "./container-root.ts";
import type { Overrides } from "./runtime-config.ts";

export interface ImageRootRequest {
  /** The image store's directory. */
  images: string;
  id: string;
  ref: string;
  overrides: Overrides;
  maxLayerBytes?: number;
  progress?: Progress;
  onWait?: OpenOptions["onWait"];
}

const writable = (dir: string, onWait?: OpenOptions["onWait"]): ImageStore => ImageStore.open(dir, { onWait });

export const withImageRoot = async <T>(host: RootHost, req: ImageRootRequest, make: (root: PreparedRoot) => Promise<T>): Promise<T> => {
  const store = writable(req.images, req.onWait);
  let root: PreparedRoot;
  try {
    root = await prepareRoot(store, host, {
      id: req.id,
      ref: req.ref,
      overrides: req.overrides,
      unpack: { maxLayerBytes: req.maxLayerBytes ?? DEFAULT_MAX_LAYER_BYTES, chown: process.getuid?.() === 0, devices: false, progress: req.progress ?? silentProgress },
    });
  } finally {
    store.close();
  }
  try {
    return await make(root);
  } catch (err) {
    try {
      releaseImageRoot(host, req.images, req.id, req.onWait);
    } catch (cleanup) {
      throw new AggregateError([cleanup], `${describeError(err)} (and taking the image root down failed)`, { cause: err });
    }
    throw err;
  }
};

/** Takes a container's image root down; false when the store knew no root of that container. */
export const releaseImageRoot = (host: RootHost, images: string, id: string, onWait?: OpenOptions["onWait"]): boolean => {
  const store = writable(images, onWait);
  try {
    return releaseRoot(store, host, id);
  } finally {
    store.close();
  }
};

/** At boot, before containers are brought back: the overlays of their roots mounted again. */
export const remountImageRoots = (host: RootHost, images: string, onWait?: OpenOptions["onWait"]): string[] => {
  const store = writable(images, onWait);
  try {
    return remountRoots(store, host);
  } finally {
    store.close();
  }
};
