// Content-addressed chunks: SHA-256 of the raw bytes names a chunk; zstd (built into Bun) shrinks it unless that
// would not save anything.
import { zstdDecompressSync } from "node:zlib";
import { FormatError } from "../durable/bytes.ts";
import type { Chunk } from "../durable/checkpoint-records.ts";

export const hashChunk = (data: Uint8Array): Uint8Array => new Bun.CryptoHasher("sha256").update(data).digest() as Uint8Array;

export const hashHex = (hash: Uint8Array): string => Buffer.from(hash.buffer, hash.byteOffset, hash.byteLength).toString("hex");

export const packChunk = (data: Uint8Array, hash = hashChunk(data), level = 9): Chunk => {
  const packed = Bun.zstdCompressSync(data, { level });
  return packed.length < data.length ? { hash, compression: "zstd", size: data.length, data: packed } : { hash, compression: "none", size: data.length, data };
};

/** The raw bytes, checked against the size and hash the chunk claims. */
export const unpackChunk = (chunk: Chunk): Uint8Array => {
  let data: Uint8Array;
  try {
    // The claimed size bounds the output: a hostile chunk cannot expand into more memory than one chunk.
    data = chunk.compression === "zstd" ? zstdDecompressSync(chunk.data, { maxOutputLength: Math.max(1, chunk.size) }) : chunk.data;
  } catch (err) {
    throw new FormatError(`Chunk ${hashHex(chunk.hash)} does not decompress`, { cause: err });
  }
  if (data.length !== chunk.size) throw new FormatError(`Chunk ${hashHex(chunk.hash)} holds ${data.length} bytes, not ${chunk.size}`);
  if (hashHex(hashChunk(data)) !== hashHex(chunk.hash)) throw new FormatError(`Chunk ${hashHex(chunk.hash)} does not match its hash`);
  return data;
};
