// What a document that passed its schema becomes inside bunker: only the properties the schema names. The runtime spec
// wants unknown properties ignored; dropping them where the document enters means no later code can trip over one
// (`process.capabilities.foo = "x"` once reached a forEach), and nothing unbounded (a value nested 100,000 deep under
// an unknown key) is ever copied or serialized again. Every string kept is checked for NUL bytes: each one ends up in
// a C string, where a NUL would silently cut it.
import { escapePointer, type Problem } from "./problem.ts";

/** The parts of a TypeBox (JSON Schema) node this walk follows. */
interface Node {
  properties?: Record<string, Node>;
  patternProperties?: Record<string, Node>;
  items?: Node;
  anyOf?: Node[];
}

/** Thrown at the first NUL byte; the caller names the document. */
export class PruneError extends Error {
  constructor(readonly problem: Problem) {
    super(`${problem.pointer}: ${problem.detail}`);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** An own, enumerable property even for a key such as "__proto__", which plain assignment would take as the prototype. */
const put = (o: Record<string, unknown>, key: string, value: unknown): void =>
  void Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });

const noNul = (s: string, pointer: string, what: string): void => {
  if (s.includes("\0")) throw new PruneError({ pointer, detail: `${what} contains a NUL byte` });
};

type Matches = (schema: object, value: unknown) => boolean;
type Copied = (from: object, to: object) => void;

/**
 * A copy of `value` with only what `schema` describes; throws PruneError for a NUL in a kept string or record key.
 * `matches` picks the variant of a union of objects (the value already passed the whole schema, so one matches);
 * `copied` hears of each object copied (what the parser knows about the original goes with it: exact integers).
 */
export const prune = (schema: object, value: unknown, matches: Matches, copied: Copied = () => {}): unknown =>
  walk(schema as Node, value, matches, copied, "");

const walk = (schema: Node, value: unknown, matches: Matches, copied: Copied, pointer: string): unknown => {
  if (typeof value === "string") {
    noNul(value, pointer || "/", "The value");
    return value;
  }
  if (Array.isArray(value)) return schema.items ? value.map((v, i) => walk(schema.items!, v, matches, copied, `${pointer}/${i}`)) : value;
  if (!isObject(value)) return value;
  if (schema.anyOf) {
    const variant = schema.anyOf.find((s) => matches(s, value));
    return variant ? walk(variant, value, matches, copied, pointer) : value;
  }
  const out: Record<string, unknown> = {};
  if (schema.properties) {
    for (const [key, sub] of Object.entries(schema.properties))
      if (Object.hasOwn(value, key) && value[key] !== undefined) put(out, key, walk(sub, value[key], matches, copied, `${pointer}/${escapePointer(key)}`));
    copied(value, out);
    return out;
  }
  const [entries] = Object.values(schema.patternProperties ?? {});
  if (!entries) return value;
  for (const [key, v] of Object.entries(value)) {
    const at = `${pointer}/${escapePointer(key)}`;
    noNul(key, at, "The key");
    put(out, key, walk(entries, v, matches, copied, at));
  }
  return out;
};
