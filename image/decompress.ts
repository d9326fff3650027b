// Layer and archive streams decompressed as they arrive (node:zlib's streaming gunzip and zstd), with a bound on
// the bytes they may expand to: a bomb ends at the bound with one clear line, never on a full disk.
import { Readable } from "node:stream";
import { createGunzip, createZstdDecompress } from "node:zlib";
import type { Compression } from "./media-types.ts";
import { formatBytes } from "../runtime/units.ts";

const GZIP = [0x1f, 0x8b];
const ZSTD = [0x28, 0xb5, 0x2f, 0xfd];

/** Compression told from the first bytes (Docker archives, archives on stdin). */
export const sniffCompression = (head: Uint8Array): Compression =>
  GZIP.every((b, i) => head[i] === b) ? "gzip" : ZSTD.every((b, i) => head[i] === b) ? "zstd" : "none";

export class ExpansionLimit extends Error {
  override readonly name = "ExpansionLimit";
}

export async function* decompress(source: AsyncIterable<Uint8Array>, compression: Compression, limit: number, what: string): AsyncGenerator<Uint8Array> {
  const over = (): ExpansionLimit => new ExpansionLimit(`The ${what} expands to more than ${formatBytes(limit)}, the bound for one layer (a compression bomb, or raise --max-layer-size)`);
  let total = 0;
  if (compression === "none") {
    for await (const chunk of source) {
      total += chunk.length;
      if (total > limit) throw over();
      yield chunk;
    }
    return;
  }
  const input = Readable.from(source, { objectMode: false });
  const codec = compression === "gzip" ? createGunzip() : createZstdDecompress();
  let sourceError: unknown;
  input.on("error", (err) => {
    sourceError = err;
    codec.destroy(err);
  });
  input.pipe(codec);
  try {
    for await (const chunk of codec as AsyncIterable<Uint8Array>) {
      total += chunk.length;
      if (total > limit) throw over();
      yield chunk;
    }
  } catch (err) {
    if (err instanceof ExpansionLimit || err === sourceError) throw err;
    throw new Error(`The ${what} is not valid ${compression} data: ${(err as Error).message}`, { cause: err });
  } finally {
    input.destroy();
    codec.destroy();
  }
}
