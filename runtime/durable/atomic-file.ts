// Replacing a file so that a reader (or a power cut) sees the old content or the new, never a mix: the new content is
// written beside it and renamed over it. Durable: the content is synced before the rename and the directory after it,
// so once this returns the new content survives a power cut (without the directory sync the rename may not).
import { dirname } from "node:path";
import { fsStorage, type Storage } from "./storage.ts";

export interface AtomicWrite {
  /** Permission bits of a new file (default 0644). */
  mode?: number;
  /** Sync content and directory: state that must survive a power cut. */
  durable?: boolean;
  /** O_DIRECT where the file system allows it (sector-sized content only). */
  direct?: boolean;
}

export const writeFileAtomic = (path: string, data: string | Uint8Array, opts: AtomicWrite = {}, storage: Storage = fsStorage()): void => {
  const tmp = `${path}.tmp`;
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  storage.remove(tmp);
  const f = storage.open(tmp, { create: true, mode: opts.mode ?? 0o644, ...(opts.direct ? { direct: true } : {}) });
  try {
    f.writeAt(0, bytes);
    if (opts.durable) f.fsync();
  } finally {
    f.close();
  }
  storage.rename(tmp, path);
  if (opts.durable) storage.fsyncDir(dirname(path));
};
