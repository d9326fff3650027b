// What the image store keeps durably (image/store/): its index (names, pins, unpacked layers, containers made from
// images) and the checkpoint of a partial blob. Defined here with the other record types so one table numbers them.
import { Type, type Static } from "@sinclair/typebox";

const Count = Type.Integer({ minimum: 0 });
const DigestText = Type.String({ minLength: 71, maxLength: 135 });

/** First record of the index: how many of each record follow, so an index cut short is refused. */
export const ImageIndexHead = Type.Object({ images: Count, pins: Count, layers: Count, uses: Count });
export type ImageIndexHead = Static<typeof ImageIndexHead>;

/** A name (a normalized reference, or a digest for an image imported without one) and what it resolved to. */
export const ImageName = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 4096 }),
  /** What the reference points at: an image index or a manifest. */
  digest: DigestText,
  /** The platform's manifest (equal to `digest` when that is a manifest). */
  manifest: DigestText,
  /** "linux/arm64", "linux/amd64", with a variant when the image gives one. */
  platform: Type.String({ maxLength: 256 }),
  /** Unix time in milliseconds. */
  created: Count,
});
export type ImageName = Static<typeof ImageName>;

/** A digest held by a named pin set ("running", "last-known-good"): gc never collects what it reaches. */
export const ImagePin = Type.Object({ set: Type.String({ minLength: 1, maxLength: 256 }), digest: DigestText });
export type ImagePin = Static<typeof ImagePin>;

/** A layer unpacked into its directory, synced, and complete: named by its uncompressed digest (diff ID). */
export const UnpackedLayer = Type.Object({ diffId: DigestText, bytes: Count, entries: Count });
export type UnpackedLayer = Static<typeof UnpackedLayer>;

/** A container whose root comes from an image: its layers stay while it exists. */
export const ImageUse = Type.Object({ container: Type.String({ minLength: 1, maxLength: 1024 }), manifest: DigestText, overlay: Type.Boolean() });
export type ImageUse = Static<typeof ImageUse>;

/** How much of a partial blob is synced: a resumed download keeps that much and re-hashes it. */
export const IngestCheckpoint = Type.Object({ digest: DigestText, offset: Count });
export type IngestCheckpoint = Static<typeof IngestCheckpoint>;
