// `bunker image pull REF`: the manifest (an index resolved to this machine's platform), the space its blobs need
// after dedup checked before the first blob byte, every missing blob streamed into the store (resuming partial
// blobs with Range), and the name recorded last.
import { digestOf } from "../digest.ts";
import { MAX_DOCUMENT_BYTES, type Descriptor } from "../documents.ts";
import { isIndex, isManifest, MANIFEST_ACCEPT } from "../media-types.ts";
import type { PlatformWant } from "../platform.ts";
import type { Progress } from "../progress.ts";
import { formatReference, parseReference } from "../reference.ts";
import { checkDocument, resolveImage, type ResolvedImage } from "../resolve.ts";
import type { PullResult } from "../results.ts";
import { copyBlob } from "../sources/blob-copy.ts";
import type { ImageStore } from "../store/store.ts";
import { escapeText } from "../text.ts";
import { boundedBytes, RegistryClient, type RegistryOptions } from "./client.ts";

export interface PullOptions extends RegistryOptions {
  store: ImageStore;
  ref: string;
  platform: PlatformWant;
  progress: Progress;
  /** Pull only these blobs again (verify --repair): the rest must be in the store. */
  only?: ReadonlySet<string>;
}

/** An image as the registry describes it, before any blob is stored: what it needs, and how to fetch it. */
export interface RemoteImage {
  name: string;
  what: string;
  image: ResolvedImage;
  /** The documents fetched while resolving (indexes, manifest, config), by digest. */
  documents: Map<string, Uint8Array>;
  client: RegistryClient;
}

/**
 * Fetches and checks the manifest (an index resolved to the platform) and the config, nothing else: the blobs it
 * lists give the space budget (`store.budget(remote.image.blobs)`) for one image or, joined, for several.
 */
export const resolveRemote = async (o: Omit<PullOptions, "store" | "progress" | "only">): Promise<RemoteImage> => {
  const ref = parseReference(o.ref);
  const name = formatReference(ref);
  const client = new RegistryClient(ref, o);
  const what = `image '${escapeText(name)}'`;
  const res = await client.require(`${ref.repository}/manifests/${ref.digest ?? ref.tag}`, { accept: MANIFEST_ACCEPT }, `Fetch the manifest of ${what}`);
  const topBytes = await boundedBytes(res, MAX_DOCUMENT_BYTES, `Manifest of ${what}`);
  const digest = ref.digest ?? digestOf(topBytes);
  const sent = res.headers.get("docker-content-digest");
  if (!ref.digest && sent && sent !== digest) throw new Error(`The manifest of ${what}: digest mismatch: the registry says ${escapeText(sent)}, its bytes are ${digest}`);
  const mediaType = (res.headers.get("content-type") ?? "").split(";")[0]!.trim();
  const top: Descriptor = { mediaType: isIndex(mediaType) || isManifest(mediaType) ? mediaType : "", digest, size: topBytes.length };
  const documents = new Map<string, Uint8Array>([[digest, topBytes]]);
  const read = async (d: Descriptor, label: string): Promise<Uint8Array> => {
    const held = documents.get(d.digest);
    if (held) return held;
    const path = isIndex(d.mediaType) || isManifest(d.mediaType) ? `manifests/${d.digest}` : `blobs/${d.digest}`;
    const r = await client.require(`${ref.repository}/${path}`, { accept: MANIFEST_ACCEPT }, `Fetch the ${label}`);
    const bytes = checkDocument(await boundedBytes(r, MAX_DOCUMENT_BYTES, `The ${label}`), d, label);
    documents.set(d.digest, bytes);
    return bytes;
  };
  return { name, what, image: await resolveImage(top, read, o.platform, what), documents, client };
};

export const pullImage = async (o: PullOptions, resolved?: RemoteImage): Promise<PullResult> => {
  const { name, what, image, documents, client } = resolved ?? (await resolveRemote(o));
  const digest = image.digest;
  const wanted = o.only ? image.blobs.filter((b) => o.only!.has(b.digest)) : image.blobs;
  const budget = o.store.requireSpace(wanted, `Pull of ${what}`);
  const result: PullResult = { name, digest, manifest: image.manifestDigest, platform: image.platform, written: 0, reused: 0, bytes: budget.needed };
  for (const b of wanted) {
    const held = documents.get(b.digest);
    const source = held ? { from: async function* () { yield held; } } : { from: (offset: number) => client.blob(b.digest, offset, b.size, `Fetch blob ${b.digest} of ${what}`) };
    const label = held ? `document ${b.digest}` : `layer ${b.digest}`;
    const r = await copyBlob(o.store, { digest: b.digest, size: b.size, what: `${label} of ${what}` }, source, o.progress, "pull");
    r.written ? result.written++ : result.reused++;
  }
  for (const b of image.blobs) if (!o.store.hasBlob(b.digest)) throw new Error(`Pull of ${what}: blob ${b.digest} is missing from the store; pull it whole again`);
  o.store.setNames([{ name, digest, manifest: image.manifestDigest, platform: image.platform, created: o.store.deps.now() }]);
  return result;
};
