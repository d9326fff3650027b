// What `image ls` and `image inspect` show: per name, the manifest, platform, stored size, pins and containers;
// inspect adds the manifest, the config and each layer with whether it is unpacked.
import { Type, type Static } from "@sinclair/typebox";
import { ImageConfig, ImageManifest } from "../documents.ts";
import { loadImage, readManifest } from "./load.ts";
import type { ImageStore } from "./store.ts";

export const ImageSummary = Type.Object({
  name: Type.String(),
  digest: Type.String(),
  manifest: Type.String(),
  platform: Type.String(),
  /** Bytes of the manifest, config and layer blobs as stored (compressed). */
  size: Type.Integer({ minimum: 0 }),
  created: Type.String(),
  pins: Type.Array(Type.String()),
  containers: Type.Array(Type.String()),
});
export type ImageSummary = Static<typeof ImageSummary>;

export const ImageDetails = Type.Composite([
  ImageSummary,
  Type.Object({
    manifestDocument: ImageManifest,
    config: ImageConfig,
    layers: Type.Array(Type.Object({ digest: Type.String(), diffId: Type.String(), mediaType: Type.String(), size: Type.Integer(), stored: Type.Boolean(), unpacked: Type.Boolean() })),
  }),
]);
export type ImageDetails = Static<typeof ImageDetails>;

const manifestOf = (store: ImageStore, digest: string): ImageManifest | undefined => (store.hasBlob(digest) ? readManifest(store, digest, digest) : undefined);

const summary = (store: ImageStore, name: ImageStore["index"]["images"][number]): ImageSummary => {
  const m = manifestOf(store, name.manifest);
  const size = m ? [name.manifest, m.config.digest, ...m.layers.map((l) => l.digest)].reduce((n, d) => n + (store.blobSize(d) ?? 0), 0) : 0;
  return {
    name: name.name,
    digest: name.digest,
    manifest: name.manifest,
    platform: name.platform,
    size,
    created: new Date(name.created).toISOString(),
    pins: [...new Set(store.index.pins.filter((p) => p.digest === name.digest || p.digest === name.manifest).map((p) => p.set))],
    containers: store.index.uses.filter((u) => u.manifest === name.manifest).map((u) => u.container),
  };
};

export const imageSummaries = (store: ImageStore): ImageSummary[] => store.index.images.map((i) => summary(store, i)).sort((a, b) => a.name.localeCompare(b.name));

export const imageDetails = (store: ImageStore, ref: string): ImageDetails => {
  const { name, manifest, config } = loadImage(store, ref);
  return {
    ...summary(store, name),
    manifestDocument: manifest,
    config,
    layers: manifest.layers.map((l, i) => {
      const diffId = config.rootfs.diff_ids[i]!;
      return { digest: l.digest, diffId, mediaType: l.mediaType, size: l.size, stored: store.hasBlob(l.digest), unpacked: store.hasLayer(diffId) };
    }),
  };
};
