// Checking JSON input against a TypeBox schema where it enters: defaults applied, the first problem as one line,
// unknown properties dropped (prune.ts).
import type { Static, TSchema } from "@sinclair/typebox";
import { Value, type ValueError } from "@sinclair/typebox/value";
import { prune, PruneError } from "./prune.ts";

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

const quote = (v: unknown): string => (typeof v === "string" ? `'${v}'` : JSON.stringify(v));

/** An integer in full (2^63, not 9223372036854776000). */
const exact = (n: number): string => (Number.isSafeInteger(n) ? String(n) : BigInt(n).toString());

interface Bounds {
  anyOf?: { const?: unknown }[];
  type?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMaximum?: number;
}

/** TypeBox says "Expected union value" for an enumeration and one bound at a time for integers: name the whole range. */
const describe = (e: ValueError): string => {
  const s = e.schema as Bounds;
  if (s.anyOf?.every((v) => v.const !== undefined))
    return `Expected one of ${s.anyOf.map((v) => quote(v.const)).join(", ")}, not ${quote(e.value)}`;
  const top = s.maximum ?? s.exclusiveMaximum;
  if (s.type === "integer" && Number.isInteger(e.value) && s.minimum !== undefined && top !== undefined)
    return `Out of range: ${exact(e.value as number)} (an integer from ${exact(s.minimum)} to ${s.maximum !== undefined ? exact(s.maximum) : `below ${exact(top)}`})`;
  return e.message;
};

type Node = { default?: unknown; type?: string; properties?: Record<string, Node>; patternProperties?: Record<string, Node>; items?: Node };

/**
 * Fills missing values that have a `default`, through objects, records and arrays (the only places bunker's schemas
 * put defaults). Value.Default does the same for every kind of schema but costs ~3 ms cold, on every container start.
 */
const applyDefaults = (schema: Node, value: unknown): unknown => {
  const v = value === undefined && "default" in schema ? structuredClone(schema.default) : value;
  if (schema.properties && v !== null && typeof v === "object" && !Array.isArray(v)) {
    const obj = v as Record<string, unknown>;
    for (const [key, sub] of Object.entries(schema.properties)) {
      const filled = applyDefaults(sub, obj[key]);
      if (filled !== undefined) obj[key] = filled;
    }
  } else if (schema.patternProperties && v !== null && typeof v === "object" && !Array.isArray(v)) {
    const obj = v as Record<string, unknown>;
    const patterns = Object.entries(schema.patternProperties).map(([p, sub]) => [new RegExp(p), sub] as const);
    for (const key of Object.keys(obj)) {
      const sub = patterns.find(([re]) => re.test(key))?.[1];
      if (sub) obj[key] = applyDefaults(sub, obj[key]);
    }
  } else if (schema.items && Array.isArray(v)) v.forEach((item, i) => (v[i] = applyDefaults(schema.items!, item)));
  return v;
};

/**
 * Applies the schema's defaults to `value` (in place) and checks it; throws the first problem with its JSON pointer.
 * `file` names the document in the message ("config.json").
 */
export const decode = <T extends TSchema>(schema: T, value: unknown, file: string): Static<T> => {
  const defaulted = applyDefaults(schema, value);
  // Value.Check is several times cheaper than walking Value.Errors; the errors are only wanted on failure.
  if (!Value.Check(schema, defaulted)) {
    const first = Value.Errors(schema, defaulted).First();
    throw new InvalidDocumentError(file, first?.path || "/", first ? describe(first) : "Does not match its schema");
  }
  try {
    return prune(schema, defaulted, (s, v) => Value.Check(s as TSchema, v), carryExactIntegers) as Static<T>;
  } catch (err) {
    if (err instanceof PruneError) throw new InvalidDocumentError(file, err.problem.pointer, err.problem.detail);
    throw err;
  }
};

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
const carryExactIntegers = (from: object, to: object): void => {
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
