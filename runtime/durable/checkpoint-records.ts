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

/** The name of the tree that holds CRIU's image files in a process checkpoint (tree names are otherwise "rootfs" or
 * a mount destination, which starts with "/"). */
export const CRIU_IMAGES_TREE = "criu";

/**
 * How one of the init's standard descriptors was given at dump: opened inside the container's own mounts (CRIU
 * restores it alone), a pipe or a file outside them (the restore hands CRIU one of its own descriptors in its place,
 * under `key`: `pipe:[INODE]` or `file[MNT_ID:INODE]`, both hex, as CRIU names them).
 */
export const StdioDescriptor = Type.Object({
  fd: Type.Integer({ minimum: 0, maximum: 2 }),
  kind: Type.Union([Type.Literal("inside"), Type.Literal("pipe"), Type.Literal("file")]),
  key: Type.Optional(Type.String({ maxLength: 64 })),
});
export type StdioDescriptor = Static<typeof StdioDescriptor>;

/** A process checkpoint: what its CRIU images need from the restoring side. Present only in process checkpoints. */
export const ProcessImage = Type.Object({
  /** `criu --version` of the dump. */
  criu: Type.String({ maxLength: 64 }),
  /** The machine (uname -m) and kernel release of the dump: images restore only on the same architecture. */
  arch: Type.String({ maxLength: 64 }),
  kernel: Type.String({ maxLength: 256 }),
  /** The init's host PID at the dump (for the record: the restore gets a new one). */
  pid: Type.Integer({ minimum: 1 }),
  /** The container's cgroup (cgroup v2 path) the tasks were dumped from; the restore puts them below its own. */
  cgroup: Type.String({ maxLength: 4096 }),
  /** The mounts declared external to CRIU, by their destination in the container (CRIU's key for each). */
  mounts: Type.Array(Type.String({ minLength: 1, maxLength: 4096 }), { maxItems: 4096 }),
  stdio: Type.Array(StdioDescriptor, { maxItems: 3 }),
});
export type ProcessImage = Static<typeof ProcessImage>;
