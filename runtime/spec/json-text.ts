// JSON text where it enters, before any schema: bounded in size and depth, integers beyond 2^53 kept exactly, and a
// document file read with the bound checked first. No TypeBox here: the start path reads a bundle's config.json
// before the schemas load (runtime/process/ahead.ts).
import { closeSync, constants, openSync, readSync } from "node:fs";
import { join, resolve } from "node:path";

/** One problem in a JSON document: `Invalid <file>: <JSON pointer>: <detail>`. */
export class InvalidDocumentError extends Error {
  override readonly name = "InvalidDocumentError";
  constructor(
    readonly file: string,
    readonly pointer: string,
    readonly detail: string,
  ) {
    super(`Invalid ${file}: ${pointer ? `${pointer}: ` : ""}${detail}`);
  }
}

/** Far above any real document (a config with a seccomp profile is ~30 KiB) and small enough for a 256 MiB board. */
export const MAX_DOCUMENT_BYTES = 4 * 1024 * 1024;
/** The deepest real config is ~7 levels (linux.seccomp.syscalls[].args[]); deeper input is not a config. */
export const MAX_DOCUMENT_DEPTH = 64;

/** The deepest nesting of arrays and objects in JSON text, counting stops once past `limit`. */
const nesting = (text: string, limit: number): number => {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > deepest && (deepest = depth) > limit) break;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
};

/** Integers beyond 2^53 exactly as the text wrote them, by the object holding them: JSON.parse rounds them to doubles. */
const exactIntegers = new WeakMap<object, Map<string, bigint>>();

/** The exact value of an integer property parsed by parseJson (a seccomp argument such as 0x8000000000000001). */
export const exactInteger = (holder: object, key: string): bigint => exactIntegers.get(holder)?.get(key) ?? BigInt(holder[key as keyof typeof holder] as number);

/** The pruned copy of an object (prune.ts) keeps the exact integers of the original. */
export const carryExactIntegers = (from: object, to: object): void => {
  const exact = exactIntegers.get(from);
  if (exact) exactIntegers.set(to, exact);
};

// Only a document that has a 16-digit number pays for the reviver.
const keepExactIntegers = function (this: object, key: string, value: unknown, context?: { source?: string }): unknown {
  if (typeof value === "number" && !Number.isSafeInteger(value) && context?.source && /^\d+$/.test(context.source)) {
    const exact = exactIntegers.get(this) ?? new Map<string, bigint>();
    exact.set(key, BigInt(context.source));
    exactIntegers.set(this, exact);
  }
  return value;
};

/** Reads JSON text, naming the document when it is not JSON, too large or nested too deep. */
export const parseJson = (text: string, file: string): unknown => {
  if (text.length > MAX_DOCUMENT_BYTES) throw new InvalidDocumentError(file, "", `Larger than ${MAX_DOCUMENT_BYTES} bytes`);
  if (nesting(text, MAX_DOCUMENT_DEPTH) > MAX_DOCUMENT_DEPTH) throw new InvalidDocumentError(file, "", `Nested deeper than ${MAX_DOCUMENT_DEPTH} levels`);
  try {
    return /\d{16}/.test(text) ? JSON.parse(text, keepExactIntegers as (k: string, v: unknown) => unknown) : JSON.parse(text);
  } catch (err) {
    throw new InvalidDocumentError(file, "", `Not JSON: ${(err as Error).message}`);
  }
};

const CHUNK_BYTES = 64 * 1024;

/** The text of `fd` to its end, or undefined as soon as it passes MAX_DOCUMENT_BYTES. */
const boundedText = (fd: number): string | undefined => {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    const n = readSync(fd, chunk, 0, CHUNK_BYTES, null);
    if (n === 0) return Buffer.concat(chunks).toString("utf8");
    total += n;
    if (total > MAX_DOCUMENT_BYTES) return undefined;
    chunks.push(chunk.subarray(0, n));
  }
};

/**
 * Reads and parses the JSON document `file` (0: standard input; named `name` in errors), read with the bound: a huge
 * file, or one whose size says nothing (/dev/zero, a pipe, a FIFO: opened without waiting for a writer), is never
 * read whole.
 */
export const readJsonFile = (file: string | 0, name: string, what: string): unknown => {
  let text: string | undefined;
  try {
    if (file === 0) text = boundedText(0);
    else {
      const fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
      try {
        text = boundedText(fd);
      } finally {
        closeSync(fd);
      }
    }
  } catch (err) {
    throw new Error(`Cannot read ${what}: '${file === 0 ? "-" : file}'`, { cause: err });
  }
  if (text === undefined) throw new InvalidDocumentError(name, "", `Larger than ${MAX_DOCUMENT_BYTES} bytes`);
  return parseJson(text, name);
};

/** Reads `<bundleDir>/config.json` as JSON, not checked yet (parseConfig checks it). */
export const readConfig = (bundleDir: string): unknown => readJsonFile(join(resolve(bundleDir), "config.json"), "config.json", "the bundle's config");
