// The media types bunker reads: OCI's and Docker schema 2's, for indexes, manifests, configs and layers.

export const MEDIA = {
  ociIndex: "application/vnd.oci.image.index.v1+json",
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  ociConfig: "application/vnd.oci.image.config.v1+json",
  ociLayer: "application/vnd.oci.image.layer.v1.tar",
  dockerList: "application/vnd.docker.distribution.manifest.list.v2+json",
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
  dockerConfig: "application/vnd.docker.container.image.v1+json",
} as const;

export type Compression = "none" | "gzip" | "zstd";

const LAYERS: Record<string, Compression> = {
  "application/vnd.oci.image.layer.v1.tar": "none",
  "application/vnd.oci.image.layer.v1.tar+gzip": "gzip",
  "application/vnd.oci.image.layer.v1.tar+zstd": "zstd",
  "application/vnd.oci.image.layer.nondistributable.v1.tar": "none",
  "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip": "gzip",
  "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd": "zstd",
  "application/vnd.docker.image.rootfs.diff.tar": "none",
  "application/vnd.docker.image.rootfs.diff.tar.gzip": "gzip",
  "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip": "gzip",
};

/** The layer's compression, or undefined when the media type is not a layer bunker can unpack. */
export const layerCompression = (mediaType: string): Compression | undefined => LAYERS[mediaType];

export const isIndex = (mediaType: string | undefined): boolean => mediaType === MEDIA.ociIndex || mediaType === MEDIA.dockerList;
export const isManifest = (mediaType: string | undefined): boolean => mediaType === MEDIA.ociManifest || mediaType === MEDIA.dockerManifest;

/** What a registry is asked for: every manifest and index type bunker reads. */
export const MANIFEST_ACCEPT = [MEDIA.ociIndex, MEDIA.ociManifest, MEDIA.dockerList, MEDIA.dockerManifest].join(", ");
