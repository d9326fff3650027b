// Writing a small file so that a reader (or a power cut) sees the old content or the new, never a mix: tmp, rename.
import { closeSync, fsyncSync, openSync, renameSync, writeSync } from "node:fs";

/** `durable`: fsync the content before the rename (state that must survive a power cut). */
export const writeFileAtomic = (path: string, text: string, opts: { mode?: number; durable?: boolean } = {}): void => {
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, "w", opts.mode ?? 0o644);
  try {
    writeSync(fd, text);
    if (opts.durable) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
};
