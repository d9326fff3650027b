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

/**
 * Applies the schema's defaults to `value` (in place) and checks it; throws the first problem with its JSON pointer.
 * `file` names the document in the message ("config.json").
 */
export const decode = <T extends TSchema>(schema: T, value: unknown, file: string): Static<T> => {
  const defaulted: unknown = Value.Default(schema, value);
  const first = Value.Errors(schema, defaulted).First();
  if (first) throw new InvalidDocumentError(file, first.path || "/", describe(first));
  return defaulted as Static<T>;
};

/** Reads JSON text, naming the document when it is not JSON. */
export const parseJson = (text: string, file: string): unknown => {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InvalidDocumentError(file, "", `Not JSON: ${(err as Error).message}`);
  }
};
