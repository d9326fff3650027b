// An image as stored: its name record, manifest, config, and its layers paired with their diff IDs.
import type { ImageName } from "../../runtime/durable/image-records.ts";
import { ImageConfig, MAX_DOCUMENT_BYTES, parseDocument, parseManifestDocument, type ImageManifest } from "../documents.ts";
import { findImage } from "./reach.ts";
import type { ImageStore } from "./store.ts";

/** A layer as the unpacker needs it: the blob, how it is compressed, and the digest of its uncompressed tar. */
export interface LayerRef {
  digest: string;
  mediaType: string;
  diffId: string;
}

export interface StoredImage {
  name: ImageName;
  manifest: ImageManifest;
  config: ImageConfig;
  layers: LayerRef[];
}

export const readManifest = (store: ImageStore, digest: string, what: string): ImageManifest => {
  const doc = parseManifestDocument(store.readBlob(digest, MAX_DOCUMENT_BYTES, `manifest of ${what}`), undefined, `manifest of ${what}`);
  if (doc.kind !== "manifest") throw new Error(`The manifest ${digest} of ${what} is an image index`);
  return doc.manifest;
};

export const loadImage = (store: ImageStore, ref: string): StoredImage => imageOf(store, findImage(store, ref));

/** The image a name record (or a container's use of a manifest) stands for. */
export const imageOf = (store: ImageStore, name: ImageName): StoredImage => {
  const what = `'${name.name}'`;
  const manifest = readManifest(store, name.manifest, what);
  const config = parseDocument(store.readBlob(manifest.config.digest, MAX_DOCUMENT_BYTES, `config of ${what}`), ImageConfig, `config of ${what}`);
  if (config.rootfs.diff_ids.length !== manifest.layers.length) throw new Error(`The config of ${what} lists ${config.rootfs.diff_ids.length} diff IDs for ${manifest.layers.length} layers`);
  return { name, manifest, config, layers: manifest.layers.map((l, i) => ({ digest: l.digest, mediaType: l.mediaType, diffId: config.rootfs.diff_ids[i]! })) };
};
