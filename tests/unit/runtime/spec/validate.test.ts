import { describe, expect, test } from "bun:test";
import { Type } from "@sinclair/typebox";
import { decode, parseJson } from "../../../../runtime/spec/validate.ts";

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
