// What the store's roots reach: names, pins and containers lead to indexes and manifests, those to configs and
// layers, configs to the diff IDs of unpacked layer directories. gc keeps exactly this; verify checks exactly this.
import type { ImageName } from "../../runtime/durable/image-records.ts";
import { ImageConfig, MAX_DOCUMENT_BYTES, parseDocument, parseManifestDocument } from "../documents.ts";
import { normalizeReference } from "../reference.ts";
import { escapeText } from "../text.ts";
import type { ImageStore } from "./store.ts";

export interface Reach {
  /** Every reachable blob, with a root that reaches it (for messages). */
  blobs: Map<string, string>;
  /** Diff IDs of the layers reachable images are made of. */
  diffIds: Set<string>;
  /** Reachable blobs the store does not hold, with the root that needs them. */
  missing: Map<string, string>;
}

/** The roots gc must keep: every name, pin and container use. */
export const storeRoots = (store: ImageStore): { digest: string; root: string }[] => [
  ...store.index.images.flatMap((i) => [
    { digest: i.digest, root: `name '${i.name}'` },
    { digest: i.manifest, root: `name '${i.name}'` },
  ]),
  ...store.index.pins.map((p) => ({ digest: p.digest, root: `pin set '${p.set}'` })),
  ...store.index.uses.map((u) => ({ digest: u.manifest, root: `container '${u.container}'` })),
];

/**
 * Walks from the roots. An index's children are followed when the store holds them (only one platform is pulled).
 * A document that cannot be read stops the walk with an error: nothing may be collected on a guess.
 */
export const reach = (store: ImageStore, roots: readonly { digest: string; root: string }[]): Reach => {
  const out: Reach = { blobs: new Map(), diffIds: new Set(), missing: new Map() };
  const visit = (digest: string, root: string, depth: number, mediaType?: string): void => {
    if (out.blobs.has(digest) || out.missing.has(digest)) return;
    if (!store.hasBlob(digest)) {
      out.missing.set(digest, root);
      return;
    }
    out.blobs.set(digest, root);
    if (depth > 4) return;
    const doc = parseManifestDocument(store.readBlob(digest, MAX_DOCUMENT_BYTES, `manifest of ${root}`), mediaType, `manifest ${digest} of ${root}`);
    if (doc.kind === "index") {
      for (const m of doc.index.manifests) if (store.hasBlob(m.digest)) visit(m.digest, root, depth + 1, m.mediaType);
      return;
    }
    const { manifest } = doc;
    out.blobs.set(manifest.config.digest, root);
    if (!store.hasBlob(manifest.config.digest)) out.missing.set(manifest.config.digest, root);
    else {
      const config = parseDocument(store.readBlob(manifest.config.digest, MAX_DOCUMENT_BYTES, `config of ${root}`), ImageConfig, `config of ${root}`);
      for (const id of config.rootfs.diff_ids) out.diffIds.add(id);
    }
    for (const l of manifest.layers) {
      if (store.hasBlob(l.digest)) out.blobs.set(l.digest, root);
      else out.missing.set(l.digest, root);
    }
  };
  for (const r of roots) {
    try {
      visit(r.digest, r.root, 0);
    } catch (err) {
      throw new Error(`Walk the image store from ${r.root}`, { cause: err });
    }
  }
  for (const d of out.missing.keys()) out.blobs.delete(d);
  return out;
};

/** The image a user names: a name as stored or as normalized, a digest, or a digest's first hex digits (12 or more). */
export const findImage = (store: ImageStore, text: string): ImageName => {
  const images = store.index.images;
  const exact = images.find((i) => i.name === text);
  if (exact) return exact;
  let normalized: string | undefined;
  try {
    normalized = normalizeReference(text);
  } catch {
    // Not a reference: perhaps a digest.
  }
  const byName = normalized && images.find((i) => i.name === normalized);
  if (byName) return byName;
  // `name@sha256:…`: the digest pins the content, which the store knows under the name it was imported or pulled with.
  const pinned = text.slice(text.lastIndexOf("@") + 1);
  if (pinned !== text && /^sha(256|512):[0-9a-f]+$/.test(pinned)) {
    const hit = images.find((i) => i.digest === pinned || i.manifest === pinned) ?? byDigest(store, pinned);
    if (hit) return hit;
  }
  const hex = text.replace(/^sha(256|512):/, "");
  if (/^[0-9a-f]{12,128}$/.test(hex)) {
    const hits = images.filter((i) => [i.digest, i.manifest].some((d) => d === text || d.slice(d.indexOf(":") + 1).startsWith(hex)));
    if (hits.length > 0 && hits.every((h) => h.manifest === hits[0]!.manifest)) return hits[0]!;
    if (hits.length > 1) throw new Error(`'${escapeText(text)}' matches ${hits.length} images: give more of the digest`);
  }
  const held = byDigest(store, text);
  if (held) return held;
  throw new Error(`Image '${escapeText(text)}' is not in the image store '${store.layout.dir}' (see 'bunker image ls')`);
};

/** A stored manifest or index named by its full digest, named or not (a pinned image whose name is gone). */
const byDigest = (store: ImageStore, text: string): ImageName | undefined => {
  if (!/^sha(256|512):[0-9a-f]+$/.test(text) || !store.hasBlob(text)) return undefined;
  const doc = parseManifestDocument(store.readBlob(text, MAX_DOCUMENT_BYTES, "manifest"), undefined, `manifest ${text}`);
  const manifest = doc.kind === "manifest" ? text : doc.index.manifests.find((m) => store.hasBlob(m.digest))?.digest;
  return manifest === undefined ? undefined : { name: text, digest: text, manifest, platform: "", created: 0 };
};
