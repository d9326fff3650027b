// What the layer extractor writes through: one directory tree, every path resolved inside it. The real one is the
// in-root handle (runtime/rootfs/in-root.ts); tests use an in-memory tree that can also lose unsynced writes.

export type EntryKind = "dir" | "file" | "symlink" | "other";

export interface FileSink {
  write(chunk: Uint8Array): void;
  close(): void;
}

/** Paths are absolute inside the tree ("/etc/passwd"); a symlink on the way is followed inside it, never out. */
export interface TreeWriter {
  /** What the entry itself is (a final symlink not followed), or undefined when there is none. */
  lstat(path: string): EntryKind | undefined;
  /** mkdir -p of a directory the layer did not list (mode 0755). */
  mkdirAll(path: string): void;
  mkdir(path: string, mode: number): void;
  /** A new regular file (never an existing one, never through a final symlink). */
  createFile(path: string, mode: number): FileSink;
  symlink(target: string, path: string): void;
  /** A hard link at `path` to the entry at `existing` (inside the tree). */
  link(existing: string, path: string): void;
  mknod(path: string, kind: "char" | "block" | "fifo", mode: number, major: number, minor: number): void;
  removeAll(path: string): void;
  list(path: string): string[];
  lchown(path: string, uid: number, gid: number): void;
  /** Exact mode bits (setuid and sticky included), on anything but a symlink. */
  chmod(path: string, mode: number): void;
  utimes(path: string, mtimeSeconds: number): void;
  setxattr(path: string, name: string, value: Uint8Array): void;
  /** Makes everything written durable: syncfs of the tree's file system. */
  sync(): void;
}
