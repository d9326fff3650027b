import { describe, expect, test } from "bun:test";
import { Type } from "@sinclair/typebox";
import { ByteReader, ByteWriter, FormatError } from "../../../../runtime/durable/bytes.ts";
import { codecFor } from "../../../../runtime/durable/schema-codec.ts";

const Sample = Type.Object({
  kind: Type.Literal("sample"),
  name: Type.String({ maxLength: 16 }),
  count: Type.Integer({ minimum: 0 }),
  delta: Type.Integer(),
  on: Type.Boolean(),
  mode: Type.Union([Type.Literal("a"), Type.Literal("b"), Type.Literal("c")]),
  note: Type.Optional(Type.String()),
  tags: Type.Array(Type.String(), { maxItems: 4 }),
  blob: Type.Optional(Type.Uint8Array()),
  exit: Type.Union([Type.Object({ status: Type.Integer({ minimum: 0 }) }), Type.Object({ signal: Type.Integer({ minimum: 1 }) })]),
});
const codec = codecFor(Sample);

const encode = (v: unknown): Uint8Array => {
  const w = new ByteWriter(8);
  codec.encode(w, v as never);
  return w.take();
};

const value = { kind: "sample" as const, name: "héllo", count: 300, delta: -5, on: true, mode: "c" as const, tags: ["x", "y"], exit: { signal: 9 } };

describe("schema codec", () => {
  test("round-trips a value with every supported kind", () => {
    const full = { ...value, note: "n", blob: Uint8Array.of(1, 2, 3) };
    expect(codec.decode(new ByteReader(encode(full)))).toEqual(full);
    expect(codec.decode(new ByteReader(encode(value)))).toEqual(value);
  });

  test("writes no field names and nothing for literals", () => {
    // bitmap 1 + name 1+6 + count 2 + delta 1 + on 1 + mode 1 + tags 1+2+2 + exit 1+1
    expect(encode(value).length).toBe(20);
  });

  test("leaves absent optional fields out of the decoded value", () => {
    expect("note" in (codec.decode(new ByteReader(encode(value))) as object)).toBe(false);
  });

  test("refuses decoded values that break the schema", () => {
    const bytes = encode({ ...value, name: "a".repeat(17) });
    expect(() => codec.decode(new ByteReader(bytes))).toThrow("breaks its schema at '/name'");
  });

  test("refuses an array count above its bound before reading items", () => {
    const w = new ByteWriter();
    w.uvarint(0).bytes(Uint8Array.of(1, 0x61)).uvarint(1).svarint(0).u8(1).uvarint(0).uvarint(1_000_000);
    expect(() => codec.decode(new ByteReader(w.take()))).toThrow(FormatError);
  });

  test("refuses a choice or union member that does not exist", () => {
    const bytes = encode(value);
    bytes[12] = 7; // the mode index
    expect(() => codec.decode(new ByteReader(bytes))).toThrow("Choice 7 is not one of 3");
  });

  test("never throws anything but FormatError on random bytes", () => {
    let seed = 7;
    const next = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 2000; i++) {
      const bytes = Uint8Array.from({ length: Math.floor(next() * 40) }, () => Math.floor(next() * 256));
      try {
        codec.decode(new ByteReader(bytes));
      } catch (err) {
        expect(err).toBeInstanceOf(FormatError);
      }
    }
  });
});
