// Storing one blob from a byte source, resuming its partial blob: the source is asked for what follows the bytes
// already held, and the digest check covers the whole blob (what was kept is re-hashed by the writer). A blob whose
// digest is known only at its end (a streamed archive's member) is spooled and named when complete.
import type { Progress, ProgressStep } from "../progress.ts";
import { shortDigest } from "../digest.ts";
import type { ImageStore } from "../store/store.ts";

export interface CopySource {
  /** The blob's bytes from `offset` on. */
  from(offset: number): AsyncIterable<Uint8Array> | Promise<AsyncIterable<Uint8Array>>;
}

export interface CopyTarget {
  digest?: string;
  size: number;
  what: string;
}

/** The blob's digest, and whether it was written (false: the store already held it). */
export const copyBlob = async (
  store: ImageStore,
  target: CopyTarget,
  source: CopySource,
  progress: Progress,
  step: ProgressStep,
): Promise<{ digest: string; written: boolean }> => {
  const id = target.digest ? shortDigest(target.digest) : target.what;
  if (target.digest && store.hasBlob(target.digest)) {
    progress.begin(id, step, target.what, target.size, target.size);
    progress.end(id, "exists");
    return { digest: target.digest, written: false };
  }
  store.requireFree(target.digest ? store.budget([{ digest: target.digest, size: target.size }]).needed : target.size, `Storing the ${target.what}`);
  const writer = store.writeBlob(target);
  progress.begin(id, step, target.what, target.size, writer.offset);
  let digest: string;
  try {
    for await (const chunk of await source.from(writer.offset)) {
      writer.write(chunk);
      progress.advance(id, chunk.length);
    }
    digest = writer.commit();
  } catch (err) {
    progress.end(id, "failed");
    throw err;
  } finally {
    writer.close();
  }
  progress.end(id, "done");
  return { digest, written: true };
};
