// Where everything lives in an image store directory. Only `blobs/` (complete blobs), `index` and the directories
// the index names are ever read as truth; `ingest/` holds partial blobs, the rest is scratch that recovery removes.
import { join } from "node:path";
import { parseDigest } from "../digest.ts";

export const DEFAULT_IMAGE_STORE = "/var/lib/bunker/images";

export interface StoreLayout {
  dir: string;
  lock: string;
  index: string;
  indexTmp: string;
  blobs: string;
  ingest: string;
  layers: string;
  containers: string;
}

export const storeLayout = (dir: string): StoreLayout => ({
  dir,
  lock: join(dir, ".lock"),
  index: join(dir, "index"),
  indexTmp: join(dir, "index.tmp"),
  blobs: join(dir, "blobs"),
  ingest: join(dir, "ingest"),
  layers: join(dir, "layers"),
  containers: join(dir, "containers"),
});

/** blobs/<alg>/<hex>, as in an OCI image layout. */
export const blobDir = (l: StoreLayout, digest: string): string => join(l.blobs, parseDigest(digest).algorithm);
export const blobPath = (l: StoreLayout, digest: string): string => {
  const d = parseDigest(digest);
  return join(l.blobs, d.algorithm, d.hex);
};

/** ingest/<alg>-<hex>: the partial blob of a known digest; `.at` beside it is its synced-offset checkpoint. */
export const partialPath = (l: StoreLayout, digest: string): string => {
  const d = parseDigest(digest);
  return join(l.ingest, `${d.algorithm}-${d.hex}`);
};
export const checkpointPath = (partial: string): string => `${partial}.at`;

/** ingest/spool-<pid>-<n>: a member of an archive read from a stream, whose digest is known only at its end. */
export const SPOOL_PREFIX = "spool-";

/** layers/<hex of the diff ID>: an unpacked layer; `<hex>.tmp` while it is being unpacked. */
export const layerDir = (l: StoreLayout, diffId: string): string => join(l.layers, parseDigest(diffId).hex);
export const LAYER_TMP_SUFFIX = ".tmp";

/** containers/<id>: the bundle of a container made from an image (config.json, rootfs, upper, work). */
export const containerDir = (l: StoreLayout, id: string): string => join(l.containers, id);
