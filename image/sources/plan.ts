// What an import will store and name, worked out from the source's documents before any blob is written: an OCI
// image layout (index.json) or a Docker archive (manifest.json; `docker save`, skopeo's docker-archive:). Docker
// archives carry no manifest: bunker writes an OCI manifest for each image from its config and layer files.
import { sniffCompression } from "../decompress.ts";
import { parseDigest } from "../digest.ts";
import { ArchiveManifest, ImageConfig, ImageIndex, LayoutMarker, MAX_DOCUMENT_BYTES, parseDocument, type Descriptor, type ImageManifest } from "../documents.ts";
import { MEDIA, type Compression } from "../media-types.ts";
import { platformText, type PlatformWant } from "../platform.ts";
import { resolveImage, type ResolvedImage } from "../resolve.ts";
import { escapeText } from "../text.ts";
import { archiveNames, entryForName, layoutEntryName } from "./names.ts";
import { memberName, type SourceReader } from "./source-reader.ts";

export interface PlannedCopy {
  /** Known for layout blobs and uncompressed Docker layers (their diff ID); learnt while copying otherwise. */
  digest?: string;
  size: number;
  member: string;
  what: string;
}

export interface PlannedImage {
  names: string[];
  /** Members to copy, documents first. */
  copies: PlannedCopy[];
  /** OCI layouts: the resolved image. Docker archives: what the manifest is made of once the layers are stored. */
  resolved?: ResolvedImage;
  docker?: { config: Descriptor; platform: string; layers: Compression[] };
}

export interface PlanOptions {
  name?: string;
  platform: PlatformWant;
}

const readDocument = async (src: SourceReader, name: string, what: string): Promise<Uint8Array> => {
  const size = src.size(name);
  if (size === undefined) throw new Error(`The ${src.what} has no ${what} ('${escapeText(name)}')`);
  if (size > MAX_DOCUMENT_BYTES) throw new Error(`The ${what} of the ${src.what} is ${size} bytes, more than the ${MAX_DOCUMENT_BYTES} a document may have`);
  return src.read(name);
};

export const blobMember = (digest: string): string => {
  const d = parseDigest(digest);
  return `blobs/${d.algorithm}/${d.hex}`;
};

export const planImport = async (src: SourceReader, opts: PlanOptions, layoutName: string): Promise<PlannedImage[]> => {
  if (src.size("index.json") !== undefined) return planLayout(src, opts, layoutName);
  if (src.size("manifest.json") !== undefined) return planDockerArchive(src, opts);
  throw new Error(`The ${src.what} is neither an OCI image layout (no index.json) nor a Docker archive (no manifest.json)`);
};

const planLayout = async (src: SourceReader, opts: PlanOptions, layoutName: string): Promise<PlannedImage[]> => {
  const marker = parseDocument(await readDocument(src, "oci-layout", "oci-layout file"), LayoutMarker, `oci-layout file of the ${src.what}`);
  if (!/^1\./.test(marker.imageLayoutVersion)) throw new Error(`The ${src.what} is image layout version '${escapeText(marker.imageLayoutVersion)}'; bunker reads 1.x`);
  const index = parseDocument(await readDocument(src, "index.json", "index.json"), ImageIndex, `index.json of the ${src.what}`);
  if (index.manifests.length === 0) throw new Error(`The ${src.what} holds no images (its index.json is empty)`);
  const entries = index.manifests.map((descriptor) => ({ descriptor }));
  const chosen = opts.name !== undefined ? [entryForName(entries, opts.name, src.what)] : entries;
  const read = async (d: Descriptor, what: string): Promise<Uint8Array> => {
    const member = blobMember(d.digest);
    if (src.size(member) === undefined) throw new Error(`The ${src.what} lacks the blob of the ${what} (${d.digest})`);
    return readDocument(src, member, what);
  };
  const out: PlannedImage[] = [];
  for (const { descriptor } of chosen) {
    const own = opts.name ?? layoutEntryName(descriptor, layoutName);
    const what = `image ${own ? `'${escapeText(own)}'` : descriptor.digest} of the ${src.what}`;
    const resolved = await resolveImage(descriptor, read, opts.platform, what);
    out.push({
      names: own ? [own] : [],
      resolved,
      copies: resolved.blobs.map((b, i) => ({ digest: b.digest, size: b.size, member: blobMember(b.digest), what: i < resolved.blobs.length - resolved.manifest.layers.length ? `document ${b.digest}` : `layer ${b.digest}` })),
    });
  }
  return out;
};

/** Docker archives hold layer files as they were loaded: plain tar, or compressed, told by the magic number. */
const sniff = async (src: SourceReader, member: string): Promise<Compression> => {
  let head: Uint8Array = new Uint8Array(0);
  for await (const c of src.stream(member, 0)) {
    head = c.subarray(0, 4);
    break;
  }
  return sniffCompression(head);
};

const planDockerArchive = async (src: SourceReader, opts: PlanOptions): Promise<PlannedImage[]> => {
  const manifest = parseDocument(await readDocument(src, "manifest.json", "manifest.json"), ArchiveManifest, `manifest.json of the ${src.what}`);
  const out: PlannedImage[] = [];
  for (const [i, item] of manifest.entries()) {
    const names = archiveNames(item.RepoTags);
    if (opts.name !== undefined && manifest.length === 1) names.push(opts.name);
    const what = `image ${names[0] ? `'${escapeText(names[0])}'` : i + 1} of the ${src.what}`;
    const configMember = memberName(item.Config, src.what);
    const configBytes = await readDocument(src, configMember, `config of the ${what}`);
    const config = parseDocument(configBytes, ImageConfig, `config of the ${what}`);
    if (config.rootfs.diff_ids.length !== item.Layers.length)
      throw new Error(`The config of the ${what} lists ${config.rootfs.diff_ids.length} layer digests where manifest.json has ${item.Layers.length} layers`);
    const configDigest = new Bun.CryptoHasher("sha256").update(configBytes).digest("hex");
    const layers: Compression[] = [];
    const copies: PlannedCopy[] = [{ digest: `sha256:${configDigest}`, size: configBytes.length, member: configMember, what: `config of the ${what}` }];
    for (const [n, raw] of item.Layers.entries()) {
      const member = memberName(raw, src.what);
      const size = src.size(member);
      if (size === undefined) throw new Error(`The ${src.what} lacks layer ${n + 1} of the ${what} ('${escapeText(raw)}')`);
      const compression = await sniff(src, member);
      layers.push(compression);
      // A plain tar layer's digest is its diff ID: checked while it is copied. A compressed one's is learnt then.
      copies.push({ digest: compression === "none" ? config.rootfs.diff_ids[n] : src.storedAs?.(member)?.digest, size, member, what: `layer ${n + 1} of the ${what}` });
    }
    out.push({
      names: [...new Set(names)],
      copies,
      docker: { config: { mediaType: MEDIA.ociConfig, digest: `sha256:${configDigest}`, size: configBytes.length }, platform: platformText(config), layers },
    });
  }
  if (opts.name !== undefined && manifest.length > 1) throw new Error(`The ${src.what} holds ${manifest.length} images: --name names only an archive of one (their own names are in manifest.json)`);
  return out;
};

/** The OCI manifest bunker writes for a Docker archive's image, once its layers' digests are known. */
export const dockerManifest = (img: NonNullable<PlannedImage["docker"]>, layerDigests: readonly { digest: string; size: number }[]): ImageManifest => ({
  schemaVersion: 2,
  mediaType: MEDIA.ociManifest,
  config: img.config,
  layers: img.layers.map((l, i) => ({
    mediaType: l === "none" ? MEDIA.ociLayer : `${MEDIA.ociLayer}+${l}`,
    digest: layerDigests[i]!.digest,
    size: layerDigests[i]!.size,
  })),
});
