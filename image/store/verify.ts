// `bunker image verify [REF]`: re-hashes what is stored (every blob, or those of one image) and finds what the
// index reaches but the store lacks. With repair, damaged blobs are removed, so that a pull fetches them alone.
import { describeError } from "../../runtime/errors.ts";
import { Hasher, parseDigest, shortDigest } from "../digest.ts";
import type { Progress } from "../progress.ts";
import type { VerifyReport } from "../results.ts";
import { reach, storeRoots } from "./reach.ts";
import type { ImageStore } from "./store.ts";

export const verifyStore = async (store: ImageStore, opts: { roots?: { digest: string; root: string }[]; progress: Progress }): Promise<VerifyReport> => {
  const report: VerifyReport = { checked: 0, bytes: 0, damaged: [], missing: [] };
  let found: ReturnType<typeof reach> | undefined;
  try {
    found = reach(store, opts.roots ?? storeRoots(store));
  } catch (err) {
    report.damaged.push({ digest: "", problem: describeError(err) });
  }
  const blobs = opts.roots && found ? [...found.blobs.keys()].map((digest) => ({ digest, size: store.blobSize(digest) ?? 0 })) : store.listBlobs();
  for (const b of blobs) {
    const id = shortDigest(b.digest);
    opts.progress.begin(id, "verify", b.digest, b.size);
    const h = new Hasher(parseDigest(b.digest).algorithm);
    for await (const chunk of store.blobChunks(b.digest)) {
      h.update(chunk);
      opts.progress.advance(id, chunk.length);
    }
    report.checked++;
    report.bytes += h.bytes;
    const ok = h.digest() === b.digest;
    if (!ok) report.damaged.push({ digest: b.digest, problem: `hashes to ${h.digest()}`, root: found?.blobs.get(b.digest) });
    opts.progress.end(id, ok ? "done" : "failed");
  }
  for (const [digest, root] of found?.missing ?? []) report.missing.push({ digest, problem: "missing", root });
  return report;
};
