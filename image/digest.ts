// Content digests ("sha256:<64 hex>", "sha512:<128 hex>"): parsed strictly at the edge, computed while streaming.
import { escapeText } from "./text.ts";

export type Algorithm = "sha256" | "sha512";

const HEX_LENGTH: Record<Algorithm, number> = { sha256: 64, sha512: 128 };
export const ALGORITHMS = Object.keys(HEX_LENGTH) as Algorithm[];

export interface Digest {
  algorithm: Algorithm;
  hex: string;
}

/** Throws naming what is wrong: the algorithm, the length, the alphabet (hostile manifests get one clear line). */
export const parseDigest = (text: unknown, what = "digest"): Digest => {
  if (typeof text !== "string") throw new Error(`The ${what} is not a string`);
  const colon = text.indexOf(":");
  const algorithm = text.slice(0, colon);
  const hex = text.slice(colon + 1);
  if (colon < 0 || !(algorithm in HEX_LENGTH)) throw new Error(`The ${what} '${escapeText(text)}' does not start with sha256: or sha512:`);
  const length = HEX_LENGTH[algorithm as Algorithm];
  if (hex.length !== length) throw new Error(`The ${what} '${escapeText(text)}' has ${hex.length} hex digits where ${algorithm} has ${length}`);
  if (!/^[0-9a-f]+$/.test(hex)) throw new Error(`The ${what} '${escapeText(text)}' holds characters other than 0-9 and a-f`);
  return { algorithm: algorithm as Algorithm, hex };
};

/** The digest as written in documents. */
export const digestText = (d: Digest): string => `${d.algorithm}:${d.hex}`;

/** "sha256:0123456789ab" for messages and tables. */
export const shortDigest = (text: string): string => text.slice(0, text.indexOf(":") + 13);

/** A running digest over a stream of chunks. */
export class Hasher {
  private readonly hasher: Bun.CryptoHasher;
  private result: string | undefined;
  bytes = 0;

  constructor(readonly algorithm: Algorithm = "sha256") {
    this.hasher = new Bun.CryptoHasher(algorithm);
  }

  update(chunk: Uint8Array): void {
    if (this.result !== undefined) throw new Error("Hasher: update after digest");
    this.hasher.update(chunk);
    this.bytes += chunk.length;
  }

  /** The digest of everything so far; the hasher is finished then (Bun's resets itself), so it is kept. */
  digest(): string {
    this.result ??= `${this.algorithm}:${this.hasher.digest("hex")}`;
    return this.result;
  }
}

export const digestOf = (bytes: Uint8Array, algorithm: Algorithm = "sha256"): string => {
  const h = new Hasher(algorithm);
  h.update(bytes);
  return h.digest();
};
