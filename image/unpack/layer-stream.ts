// A stored layer blob as tar entries, checked all the way: the blob's digest as it is read, the diff ID (the
// digest of the uncompressed tar, from the image config) as it is decompressed, and the decompressed size bounded.
import { decompress } from "../decompress.ts";
import { Hasher, parseDigest } from "../digest.ts";
import { layerCompression } from "../media-types.ts";
import { DigestMismatch } from "../store/ingest.ts";
import type { LayerRef } from "../store/load.ts";
import type { ImageStore } from "../store/store.ts";
import { readTar } from "../tar/tar-reader.ts";

/** Passes the stream on, and at its end throws unless it hashed to `digest`. */
export async function* verified(source: AsyncIterable<Uint8Array>, digest: string, what: string): AsyncGenerator<Uint8Array> {
  const h = new Hasher(parseDigest(digest).algorithm);
  for await (const chunk of source) {
    h.update(chunk);
    yield chunk;
  }
  if (h.digest() !== digest) throw new DigestMismatch(digest, h.digest(), what);
}

/** The stored blob's pieces, each reported to `onRead` (progress, by compressed bytes). */
async function* reported(source: AsyncIterable<Uint8Array>, onRead: (bytes: number) => void): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    onRead(chunk.length);
    yield chunk;
  }
}

export const layerEntries = (store: ImageStore, layer: LayerRef, limit: number, what: string, onRead: (bytes: number) => void = () => {}) => {
  const compression = layerCompression(layer.mediaType);
  if (!compression) throw new Error(`The ${what} has media type '${layer.mediaType}', which bunker cannot unpack`);
  const blob = verified(reported(store.blobChunks(layer.digest), onRead), layer.digest, `the stored blob of the ${what} (run 'bunker image verify --repair')`);
  const tar = verified(decompress(blob, compression, limit, what), layer.diffId, `the uncompressed ${what} (its diff ID)`);
  return readTar(tar, { what });
};
