// `bunker image import FILE|DIR|-`: an OCI image layout (a directory, or a tar of one) or a Docker archive, into
// the store. A directory or a tar file is planned first (documents read, the space it needs after dedup checked),
// then its blobs are copied, resuming partial blobs; a stream (stdin, or a compressed file) is read once, in order,
// into the store, checking space member by member. Names are recorded last, once everything they reach is stored.
import { openSync, readSync, closeSync, statSync } from "node:fs";
import { basename } from "node:path";
import type { ImageName } from "../../runtime/durable/image-records.ts";
import { decompress, sniffCompression } from "../decompress.ts";
import { peek } from "../streams.ts";
import { digestOf } from "../digest.ts";
import type { PlatformWant } from "../platform.ts";
import { normalizeReference } from "../reference.ts";
import type { ImportResult } from "../results.ts";
import type { Progress } from "../progress.ts";
import type { ImageStore } from "../store/store.ts";
import { copyBlob } from "./blob-copy.ts";
import { dockerManifest, planImport, type PlannedImage } from "./plan.ts";
import { dirReader, storeTarStream, tarFileReader, type SourceReader } from "./source-reader.ts";

export interface ImportOptions {
  store: ImageStore;
  /** A path, or "-" for `stdin`. */
  source: string;
  stdin?: () => AsyncIterable<Uint8Array>;
  name?: string;
  platform: PlatformWant;
  progress: Progress;
}

/** A whole-archive bound for a compressed archive: more than any board's flash. */
const MAX_ARCHIVE_BYTES = 2 ** 40;

const fileHead = (path: string): Uint8Array => {
  const fd = openSync(path, "r");
  try {
    const buf = new Uint8Array(4);
    return buf.subarray(0, readSync(fd, buf, 0, 4, 0));
  } finally {
    closeSync(fd);
  }
};

async function* fileChunks(path: string): AsyncGenerator<Uint8Array> {
  for await (const c of Bun.file(path).stream()) yield c;
}

/** A stream source, decompressed when its first bytes say so. */
const storeStream = async (raw: AsyncIterable<Uint8Array>, o: ImportOptions, what: string): Promise<SourceReader> => {
  const { head, stream } = await peek(raw, 4);
  const compression = sniffCompression(head);
  const plain = compression === "none" ? stream : decompress(stream, compression, MAX_ARCHIVE_BYTES, what);
  return storeTarStream(plain, o.store, o.progress, what);
};

export const importImage = async (o: ImportOptions): Promise<ImportResult> => {
  let reader: SourceReader;
  let planned = false;
  if (o.source === "-") {
    if (!o.stdin) throw new Error("Import from stdin: no standard input");
    reader = await storeStream(o.stdin(), o, "archive from stdin");
  } else {
    const st = statSync(o.source);
    if (st.isDirectory()) reader = dirReader(o.source);
    else if (sniffCompression(fileHead(o.source)) !== "none") reader = await storeStream(fileChunks(o.source), o, `compressed archive '${o.source}'`);
    else reader = tarFileReader(o.source);
    planned = st.isDirectory() || reader.storedAs === undefined;
  }
  try {
    const images = await planImport(reader, { name: o.name === undefined ? undefined : normalizeReference(o.name), platform: o.platform }, basename(o.source === "-" ? "stdin" : o.source.replace(/\/+$/, "")));
    if (planned) {
      const all = images.flatMap((i) => i.copies);
      const known = all.filter((c) => c.digest !== undefined).map((c) => ({ digest: c.digest!, size: c.size }));
      const budget = o.store.budget(known);
      o.store.requireFree(budget.needed + all.filter((c) => c.digest === undefined).reduce((n, c) => n + c.size, 0), `Import of the ${reader.what}`);
    }
    return await copyAndName(o, reader, images);
  } finally {
    reader.close();
  }
};

const copyAndName = async (o: ImportOptions, reader: SourceReader, images: PlannedImage[]): Promise<ImportResult> => {
  const result: ImportResult = { images: [], written: 0, reused: 0 };
  const done = new Map<string, { digest: string; size: number }>();
  const names: ImageName[] = [];
  for (const img of images) {
    const stored: { digest: string; size: number }[] = [];
    for (const c of img.copies) {
      let got = done.get(c.member);
      if (!got) {
        // A streamed member is in the store already; one whose content must match another digest (a Docker layer's
        // diff ID) is still copied, which checks it.
        const streamed = reader.storedAs?.(c.member);
        const r = streamed && (c.digest === undefined || c.digest === streamed.digest) ? streamed : await copyBlob(o.store, c, { from: (offset) => reader.stream(c.member, offset) }, o.progress, "import");
        r.written ? result.written++ : result.reused++;
        got = { digest: r.digest, size: c.size };
        done.set(c.member, got);
      }
      stored.push(got);
    }
    let digest: string;
    let manifest: string;
    let platform: string;
    if (img.resolved) {
      ({ digest, manifestDigest: manifest, platform } = img.resolved);
    } else {
      const bytes = new TextEncoder().encode(JSON.stringify(dockerManifest(img.docker!, stored.slice(1))));
      manifest = digest = digestOf(bytes);
      await copyBlob(o.store, { digest, size: bytes.length, what: "manifest written for a Docker archive's image" }, { from: async function* () { yield bytes; } }, o.progress, "import");
      platform = img.docker!.platform;
    }
    const own = img.names.length ? img.names : [digest];
    for (const name of own) names.push({ name, digest, manifest, platform, created: o.store.deps.now() });
    result.images.push({ names: own, digest, manifest, platform });
  }
  o.store.setNames(names);
  return result;
};
