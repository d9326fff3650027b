import { describe, expect, test } from "bun:test";
import { Type } from "@sinclair/typebox";
import { decode } from "../../../../runtime/spec/validate.ts";
import { MAX_DOCUMENT_BYTES, MAX_DOCUMENT_DEPTH, parseJson } from "../../../../runtime/spec/json-text.ts";

describe("decode()", () => {
  const S = Type.Object({ n: Type.Integer({ default: 3 }), kind: Type.Union([Type.Literal("a"), Type.Literal(1)]) });

  test("fills defaults before checking", () => {
    expect(decode(S, { kind: "a" }, "x.json")).toEqual({ n: 3, kind: "a" });
  });

  test("fills defaults inside arrays and nested objects, without sharing the default object", () => {
    const L = Type.Object({ items: Type.Array(Type.Object({ opts: Type.Object({ on: Type.Boolean({ default: true }) }, { default: {} }) })) });
    const v = decode(L, { items: [{}, { opts: { on: false } }, {}] }, "l.json");
    expect(v).toEqual({ items: [{ opts: { on: true } }, { opts: { on: false } }, { opts: { on: true } }] });
    expect(v.items[0]!.opts).not.toBe(v.items[2]!.opts);
  });

  test("fills defaults inside the values of a record", () => {
    const R = Type.Object({ services: Type.Record(Type.String({ pattern: "^[a-z]+$" }), Type.Object({ n: Type.Integer({ default: 3 }) })) });
    expect(decode(R, { services: { a: {}, b: { n: 1 } } }, "r.json")).toEqual({ services: { a: { n: 3 }, b: { n: 1 } } });
  });

  test("reports the first problem with its JSON pointer and the file", () => {
    expect(() => decode(S, { n: "3", kind: "a" }, "x.json")).toThrow("Invalid x.json: /n: Expected integer");
  });

  test("lists the values of an enumeration, quoting strings", () => {
    expect(() => decode(S, { kind: "b" }, "x.json")).toThrow("Invalid x.json: /kind: Expected one of 'a', 1, not 'b'");
  });

  test("points at the root as / when the document itself is wrong", () => {
    expect(() => decode(S, [], "x.json")).toThrow("Invalid x.json: /: Expected object");
  });
});

describe("parseJson()", () => {
  test("names the document when the text is not JSON", () => {
    expect(() => parseJson("{", "x.json")).toThrow(/^Invalid x\.json: Not JSON: /);
  });
});

describe("decode() drops what the schema does not name", () => {
  const S = Type.Object({ caps: Type.Object({ ambient: Type.Optional(Type.Array(Type.String())) }), labels: Type.Record(Type.String(), Type.String()) });

  test("unknown properties are gone from the result, at every level", () => {
    const v = decode(S, { caps: { ambient: ["CAP_KILL"], foo: "x" }, labels: { a: "b" }, extra: { deep: [1] } }, "x.json");
    expect(v).toEqual({ caps: { ambient: ["CAP_KILL"] }, labels: { a: "b" } });
  });

  test("a record key __proto__ stays an own property, not the prototype", () => {
    const v = decode(S, JSON.parse('{"caps":{},"labels":{"__proto__":"x","k":"v"}}'), "x.json");
    expect(Object.keys(v.labels)).toEqual(["__proto__", "k"]);
    expect(Object.getPrototypeOf(v.labels)).toBe(Object.prototype);
  });

  test("a NUL byte in a kept string or record key is refused with its pointer; one under an unknown key is ignored", () => {
    expect(() => decode(S, { caps: { ambient: ["A\0B"] }, labels: {} }, "x.json")).toThrow("Invalid x.json: /caps/ambient/0: The value contains a NUL byte");
    expect(() => decode(S, { caps: {}, labels: { "a/\0": "b" } }, "x.json")).toThrow("Invalid x.json: /labels/a~1\u0000: The key contains a NUL byte");
    expect(() => decode(S, { caps: {}, labels: {}, unknown: "\0" }, "x.json")).not.toThrow();
  });

  test("an integer out of range names the whole range", () => {
    const N = Type.Object({ uid: Type.Integer({ minimum: 0, maximum: 2147483647 }), big: Type.Optional(Type.Integer({ minimum: 0, exclusiveMaximum: 2 ** 63 })) });
    expect(() => decode(N, { uid: 4294967295 }, "x.json")).toThrow("Invalid x.json: /uid: Out of range: 4294967295 (an integer from 0 to 2147483647)");
    expect(() => decode(N, { uid: 0, big: 2 ** 63 }, "x.json")).toThrow("(an integer from 0 to below 9223372036854775808)");
  });
});

describe("parseJson() bounds", () => {
  test("refuses nesting deeper than MAX_DOCUMENT_DEPTH before parsing, counting only outside strings", () => {
    expect(() => parseJson(`${"[".repeat(100_000)}${"]".repeat(100_000)}`, "x.json")).toThrow(`Invalid x.json: Nested deeper than ${MAX_DOCUMENT_DEPTH} levels`);
    expect(parseJson(`{"a":"${"[".repeat(1000)}\\"{"}`, "x.json")).toEqual({ a: `${"[".repeat(1000)}"{` });
    expect(() => parseJson(`${"[".repeat(MAX_DOCUMENT_DEPTH)}${"]".repeat(MAX_DOCUMENT_DEPTH)}`, "x.json")).not.toThrow();
  });

  test("refuses text larger than MAX_DOCUMENT_BYTES", () => {
    expect(() => parseJson(`"${"x".repeat(MAX_DOCUMENT_BYTES)}"`, "x.json")).toThrow(`Invalid x.json: Larger than ${MAX_DOCUMENT_BYTES} bytes`);
  });
});
