// Checking JSON input against a TypeBox schema where it enters: defaults applied, the first problem as one line.
import type { Static, TSchema } from "@sinclair/typebox";
import { Value, type ValueError } from "@sinclair/typebox/value";

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

/** TypeBox says "Expected union value" for an enumeration; name the allowed values instead. */
const describe = (e: ValueError): string => {
  const variants = (e.schema as { anyOf?: { const?: unknown }[] }).anyOf;
  if (variants?.every((s) => s.const !== undefined))
    return `Expected one of ${variants.map((s) => quote(s.const)).join(", ")}, not ${quote(e.value)}`;
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
  if (Value.Check(schema, defaulted)) return defaulted as Static<T>;
  const first = Value.Errors(schema, defaulted).First();
  throw new InvalidDocumentError(file, first?.path || "/", first ? describe(first) : "Does not match its schema");
};

/** Integers beyond 2^53 exactly as the text wrote them, by the object holding them: JSON.parse rounds them to doubles. */
const exactIntegers = new WeakMap<object, Map<string, bigint>>();

/** The exact value of an integer property parsed by parseJson (a seccomp argument such as 0x8000000000000001). */
export const exactInteger = (holder: object, key: string): bigint => exactIntegers.get(holder)?.get(key) ?? BigInt(holder[key as keyof typeof holder] as number);

// Only a document that has a 16-digit number pays for the reviver.
const keepExactIntegers = function (this: object, key: string, value: unknown, context?: { source?: string }): unknown {
  if (typeof value === "number" && !Number.isSafeInteger(value) && context?.source && /^\d+$/.test(context.source)) {
    const exact = exactIntegers.get(this) ?? new Map<string, bigint>();
    exact.set(key, BigInt(context.source));
    exactIntegers.set(this, exact);
  }
  return value;
};

/** Reads JSON text, naming the document when it is not JSON. */
export const parseJson = (text: string, file: string): unknown => {
  try {
    return /\d{16}/.test(text) ? JSON.parse(text, keepExactIntegers as (k: string, v: unknown) => unknown) : JSON.parse(text);
  } catch (err) {
    throw new InvalidDocumentError(file, "", `Not JSON: ${(err as Error).message}`);
  }
};
