// What a container checkpoint file holds: a head, the config, the container's state, its trees (the rootfs, or the
// mounts the config marks as state) as manifests of entries that name their content by chunk hash, the chunks the
// store did not have yet, and an end record.
import { Type, type Static } from "@sinclair/typebox";

export const CHUNK_BYTES = 64 * 1024;
/** Bound on one checkpoint record: a manifest entry of a very large file is the largest. */
export const CHECKPOINT_MAX_RECORD = 4 * 1024 * 1024;

export const CheckpointHead = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 1024 }),
  /** Unix time in milliseconds. */
  createdAt: Type.Integer({ minimum: 0 }),
  chunkBytes: Type.Integer({ minimum: 1, maximum: CHUNK_BYTES }),
});
export type CheckpointHead = Static<typeof CheckpointHead>;

/** The bundle's config.json as text: the OCI schema lives elsewhere and stays the judge of it. */
export const ConfigText = Type.Object({ json: Type.String({ maxLength: 1024 * 1024 }) });

/** Starts a tree: the entries up to the next tree record belong to it. */
export const TreeStart = Type.Object({
  /** "rootfs", or the mount's destination inside the container. */
  name: Type.String({ minLength: 1, maxLength: 4096 }),
});

export const Hash = Type.Uint8Array({ minByteLength: 32, maxByteLength: 32 });

export const TreeEntry = Type.Object({
  /** Relative to the tree's root, '/'-separated; "" is the root itself. */
  path: Type.String({ maxLength: 4096 }),
  type: Type.Union([Type.Literal("dir"), Type.Literal("file"), Type.Literal("symlink")]),
  mode: Type.Integer({ minimum: 0, maximum: 0o7777 }),
  uid: Type.Integer({ minimum: 0 }),
  gid: Type.Integer({ minimum: 0 }),
  mtimeMs: Type.Integer(),
  size: Type.Integer({ minimum: 0 }),
  target: Type.Optional(Type.String({ maxLength: 4096 })),
  /** SHA-256 of each chunk of the content, in order. */
  chunks: Type.Array(Hash, { maxItems: CHECKPOINT_MAX_RECORD / 33 }),
});
export type TreeEntry = Static<typeof TreeEntry>;

export const Compression = Type.Union([Type.Literal("none"), Type.Literal("zstd")]);

/** The hash comes first so a store index can be built from each chunk record's first bytes. */
export const Chunk = Type.Object({
  hash: Hash,
  compression: Compression,
  size: Type.Integer({ minimum: 0, maximum: CHUNK_BYTES }),
  data: Type.Uint8Array({ maxByteLength: CHUNK_BYTES + 1024 }),
});
export type Chunk = Static<typeof Chunk>;

/** A checkpoint file is complete only with this record, whose counts must match what came before. */
export const CheckpointEnd = Type.Object({
  trees: Type.Integer({ minimum: 0 }),
  entries: Type.Integer({ minimum: 0 }),
  chunks: Type.Integer({ minimum: 0 }),
});
