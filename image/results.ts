// What the image commands print with --json, as schemas (exported to docs/schemas/ by `npm run schemas`).
import { Type, type Static } from "@sinclair/typebox";

const Count = Type.Integer({ minimum: 0 });
const BlobRef = Type.Object({ digest: Type.String(), size: Count });

export const ImportedImage = Type.Object({
  names: Type.Array(Type.String()),
  /** What the names point at: an image index or a manifest. */
  digest: Type.String(),
  /** The platform's manifest. */
  manifest: Type.String(),
  platform: Type.String(),
});

/** `image import --json`: the last line. */
export const ImportResult = Type.Object({
  images: Type.Array(ImportedImage),
  /** Blobs written, and blobs the store already held. */
  written: Count,
  reused: Count,
});
export type ImportResult = Static<typeof ImportResult>;

/** `image pull --json`: the last line. */
export const PullResult = Type.Object({
  name: Type.String(),
  digest: Type.String(),
  manifest: Type.String(),
  platform: Type.String(),
  written: Count,
  reused: Count,
  /** Bytes the pull had to write after dedup (what the space check required). */
  bytes: Count,
});
export type PullResult = Static<typeof PullResult>;

/** `image gc --json`. */
export const GcReport = Type.Object({
  blobs: Type.Array(BlobRef),
  /** Unpacked layer directories removed (diff ID hex). */
  layers: Type.Array(Type.String()),
  /** Container bundles removed that the index no longer named. */
  containers: Type.Array(Type.String()),
  partials: Type.Array(BlobRef),
  /** Bytes of blobs and partial blobs removed (layer directories are not measured). */
  freed: Count,
  /** Partial blobs kept for a resume (without --partials). */
  keptPartials: Type.Array(BlobRef),
});
export type GcReport = Static<typeof GcReport>;

export const Damage = Type.Object({
  digest: Type.String(),
  problem: Type.String(),
  /** A name, pin or container that reaches the blob. */
  root: Type.Optional(Type.String()),
});
export type Damage = Static<typeof Damage>;

export const VerifyReport = Type.Object({
  checked: Count,
  bytes: Count,
  damaged: Type.Array(Damage),
  missing: Type.Array(Damage),
});
export type VerifyReport = Static<typeof VerifyReport>;

/** `image verify --json`: the last line. */
export const VerifyResult = Type.Composite([
  VerifyReport,
  Type.Object({
    /** Names pulled again (only their damaged or missing blobs). */
    repaired: Type.Array(Type.String()),
    /** Names only a re-import can repair. */
    reimport: Type.Array(Type.String()),
    clean: Type.Boolean(),
  }),
]);
