// From a descriptor (a layout's index entry, a registry's answer) to one runnable image: through nested indexes to
// the platform's manifest, its config, its layers. Documents are fetched by the caller's `read` and checked here
// against their descriptor's size and digest before they are parsed.
import { Hasher, parseDigest } from "./digest.ts";
import { ImageConfig, MAX_DOCUMENT_BYTES, parseDocument, parseManifestDocument, type Descriptor, type ImageManifest } from "./documents.ts";
import { layerCompression } from "./media-types.ts";
import { choosePlatform, platformText, type PlatformWant } from "./platform.ts";
import type { BlobRef } from "./store/store.ts";
import { escapeText } from "./text.ts";

export interface ResolvedImage {
  /** What was resolved: an index or a manifest. */
  digest: string;
  manifestDigest: string;
  manifest: ImageManifest;
  config: ImageConfig;
  platform: string;
  /** Every blob the image needs, documents first (indexes, manifest, config), then the layers. */
  blobs: (BlobRef & { mediaType: string })[];
}

/** Reads a document's bytes (at most MAX_DOCUMENT_BYTES); `checkDocument` is applied to what it returns. */
export type ReadDocument = (d: Descriptor, what: string) => Promise<Uint8Array>;

const MAX_NESTING = 4;

/** Throws unless `bytes` are exactly what the descriptor says. */
export const checkDocument = (bytes: Uint8Array, d: Pick<Descriptor, "digest" | "size">, what: string): Uint8Array => {
  if (bytes.length !== d.size) throw new Error(`The ${what} is ${bytes.length} bytes where its descriptor says ${d.size}`);
  const h = new Hasher(parseDigest(d.digest, `digest of the ${what}`).algorithm);
  h.update(bytes);
  if (h.digest() !== d.digest) throw new Error(`The ${what}: digest mismatch: expected ${d.digest}, got ${h.digest()}`);
  return bytes;
};

export const resolveImage = async (top: Descriptor, read: ReadDocument, want: PlatformWant, what: string): Promise<ResolvedImage> => {
  const blobs: ResolvedImage["blobs"] = [];
  const fetch = async (d: Descriptor, label: string): Promise<Uint8Array> => {
    if (d.size > MAX_DOCUMENT_BYTES) throw new Error(`The ${label} is ${d.size} bytes, more than the ${MAX_DOCUMENT_BYTES} a document may have`);
    const bytes = checkDocument(await read(d, label), d, label);
    blobs.push({ digest: d.digest, size: d.size, mediaType: d.mediaType });
    return bytes;
  };
  let d = top;
  let label = what;
  for (let depth = 0; ; depth++) {
    const doc = parseManifestDocument(await fetch(d, label), d.mediaType, label);
    if (doc.kind === "manifest") {
      const manifest = doc.manifest;
      const configLabel = `config of ${what}`;
      const config = parseDocument(await fetch(manifest.config, configLabel), ImageConfig, configLabel);
      if (config.rootfs.diff_ids.length !== manifest.layers.length)
        throw new Error(`The ${configLabel} lists ${config.rootfs.diff_ids.length} layer digests where the manifest has ${manifest.layers.length} layers`);
      config.rootfs.diff_ids.forEach((id, i) => parseDigest(id, `diff ID of layer ${i + 1} of ${what}`));
      manifest.layers.forEach((l, i) => {
        if (!layerCompression(l.mediaType)) throw new Error(`Layer ${i + 1} of ${what} has media type '${escapeText(l.mediaType)}', which bunker cannot unpack`);
        blobs.push({ digest: l.digest, size: l.size, mediaType: l.mediaType });
      });
      return { digest: top.digest, manifestDigest: d.digest, manifest, config, platform: platformText(config), blobs };
    }
    if (depth >= MAX_NESTING) throw new Error(`The ${what} nests image indexes more than ${MAX_NESTING} deep`);
    d = choosePlatform(doc.index, want, label);
    label = `${platformText(d.platform!)} manifest of ${what}`;
  }
};
