// The JSON documents of an image (index, manifest, config; Docker's archive manifest), as TypeBox schemas checked
// where they enter. Unknown properties are allowed, as the image spec requires; sizes are bounded before parsing.
import { Type, type Static, type TSchema } from "@sinclair/typebox";
import { schemaCheck } from "../runtime/durable/schema-check.ts";
import { parseDigest } from "./digest.ts";
import { isIndex, isManifest, MEDIA } from "./media-types.ts";
import { escapeText } from "./text.ts";

/** distribution's own bound on a manifest; configs and indexes get the same. */
export const MAX_DOCUMENT_BYTES = 4 * 1024 * 1024;
/** More layers than overlayfs stacks comfortably (Docker stops at 125). */
export const MAX_LAYERS = 128;

const Annotations = Type.Record(Type.String(), Type.String());

export const Platform = Type.Object({
  architecture: Type.String(),
  os: Type.String(),
  variant: Type.Optional(Type.String()),
  "os.version": Type.Optional(Type.String()),
});
export type Platform = Static<typeof Platform>;

export const Descriptor = Type.Object({
  mediaType: Type.String(),
  digest: Type.String(),
  size: Type.Integer({ minimum: 0 }),
  urls: Type.Optional(Type.Array(Type.String())),
  annotations: Type.Optional(Annotations),
  platform: Type.Optional(Platform),
});
export type Descriptor = Static<typeof Descriptor>;

export const ImageIndex = Type.Object({
  schemaVersion: Type.Literal(2),
  mediaType: Type.Optional(Type.String()),
  manifests: Type.Array(Descriptor, { maxItems: 1024 }),
  annotations: Type.Optional(Annotations),
});
export type ImageIndex = Static<typeof ImageIndex>;

export const ImageManifest = Type.Object({
  schemaVersion: Type.Literal(2),
  mediaType: Type.Optional(Type.String()),
  config: Descriptor,
  layers: Type.Array(Descriptor, { maxItems: MAX_LAYERS }),
  annotations: Type.Optional(Annotations),
});
export type ImageManifest = Static<typeof ImageManifest>;

const Strings = Type.Array(Type.String());
const StringSet = Type.Record(Type.String(), Type.Unknown());

export const ImageConfig = Type.Object({
  architecture: Type.String(),
  os: Type.String(),
  variant: Type.Optional(Type.String()),
  created: Type.Optional(Type.String()),
  config: Type.Optional(
    Type.Object({
      User: Type.Optional(Type.String()),
      ExposedPorts: Type.Optional(StringSet),
      Env: Type.Optional(Type.Union([Strings, Type.Null()])),
      Entrypoint: Type.Optional(Type.Union([Strings, Type.Null()])),
      Cmd: Type.Optional(Type.Union([Strings, Type.Null()])),
      Volumes: Type.Optional(Type.Union([StringSet, Type.Null()])),
      WorkingDir: Type.Optional(Type.String()),
      Labels: Type.Optional(Type.Union([Annotations, Type.Null()])),
      StopSignal: Type.Optional(Type.String()),
    }),
  ),
  rootfs: Type.Object({ type: Type.Literal("layers"), diff_ids: Type.Array(Type.String(), { maxItems: MAX_LAYERS }) }),
});
export type ImageConfig = Static<typeof ImageConfig>;

/** `docker save`'s manifest.json: one entry per image in the archive. */
export const ArchiveManifest = Type.Array(
  Type.Object({
    Config: Type.String(),
    RepoTags: Type.Optional(Type.Union([Strings, Type.Null()])),
    Layers: Type.Array(Type.String(), { maxItems: MAX_LAYERS }),
  }),
  { minItems: 1, maxItems: 1024 },
);
export type ArchiveManifest = Static<typeof ArchiveManifest>;

export const LayoutMarker = Type.Object({ imageLayoutVersion: Type.String() });

const checks = new Map<TSchema, ReturnType<typeof schemaCheck>>();

/** Parses and checks one document; every failure is one line naming `what` and the first problem. */
export const parseDocument = <S extends TSchema>(bytes: Uint8Array, schema: S, what: string): Static<S> => {
  if (bytes.length > MAX_DOCUMENT_BYTES) throw new Error(`The ${what} is ${bytes.length} bytes, more than the ${MAX_DOCUMENT_BYTES} a document may have`);
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (err) {
    throw new Error(`The ${what} is not JSON: ${escapeText((err as Error).message)}`);
  }
  let check = checks.get(schema);
  if (!check) checks.set(schema, (check = schemaCheck(schema)));
  let ok: boolean;
  try {
    ok = check.Check(value);
  } catch {
    throw new Error(`The ${what} is nested too deeply to check`);
  }
  if (!ok) {
    const e = check.First(value);
    throw new Error(`The ${what} is invalid at '${escapeText(e?.path || "/")}': ${e?.message ?? "no detail"}`);
  }
  return value as Static<S>;
};

export type ManifestDocument = { kind: "index"; index: ImageIndex } | { kind: "manifest"; manifest: ImageManifest };

/** An index or a manifest, told apart by media type (the descriptor's or the document's) or by shape. */
export const parseManifestDocument = (bytes: Uint8Array, mediaType: string | undefined, what: string): ManifestDocument => {
  let probe: { mediaType?: unknown; schemaVersion?: unknown; manifests?: unknown } = {};
  try {
    probe = JSON.parse(new TextDecoder().decode(bytes.subarray(0, MAX_DOCUMENT_BYTES + 1)));
  } catch {
    // parseDocument below names the JSON error.
  }
  if (probe?.schemaVersion === 1) throw new Error(`The ${what} is a Docker schema 1 manifest, which bunker does not read (push the image again with a current tool)`);
  const type = mediaType || (typeof probe?.mediaType === "string" ? probe.mediaType : undefined);
  const index = isIndex(type) || (!isManifest(type) && Array.isArray(probe?.manifests));
  if (type !== undefined && !isIndex(type) && !isManifest(type)) throw new Error(`The ${what} has media type '${escapeText(type)}', which is neither an image index nor a manifest`);
  if (index) {
    const parsed = parseDocument(bytes, ImageIndex, what);
    parsed.manifests.forEach((m, i) => parseDigest(m.digest, `digest of entry ${i + 1} of the ${what}`));
    return { kind: "index", index: parsed };
  }
  const manifest = parseDocument(bytes, ImageManifest, what);
  parseDigest(manifest.config.digest, `config digest of the ${what}`);
  if (manifest.config.mediaType !== MEDIA.ociConfig && manifest.config.mediaType !== MEDIA.dockerConfig)
    throw new Error(`The config of the ${what} has media type '${escapeText(manifest.config.mediaType)}', not an image config`);
  manifest.layers.forEach((l, i) => parseDigest(l.digest, `digest of layer ${i + 1} of the ${what}`));
  return { kind: "manifest", manifest };
};
