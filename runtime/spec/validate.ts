// Checking JSON input against a TypeBox schema where it enters: defaults applied, the first problem as one line,
// unknown properties dropped (prune.ts).
import type { Static, TSchema } from "@sinclair/typebox";
import { Value, type ValueError } from "@sinclair/typebox/value";
import { prune, PruneError } from "./prune.ts";
import { carryExactIntegers, InvalidDocumentError } from "./json-text.ts";

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

