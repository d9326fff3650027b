// Compact binary payloads derived from TypeBox schemas: the schema that validates a value and gives its JSON form
// also fixes its bytes. Fields are written in schema order with no names; integers are varints (zigzag when the
// schema allows negatives); optional fields share one presence bitmap; literals cost nothing.
import { Kind, OptionalKind, type TSchema, type Static } from "@sinclair/typebox";
import { schemaCheck } from "./schema-check.ts";
import { ByteReader, ByteWriter, FormatError } from "./bytes.ts";

export interface Codec<T> {
  readonly schema: TSchema;
  encode(w: ByteWriter, value: T): void;
  /** Decodes and validates against the schema; throws FormatError on malformed bytes or invalid values. */
  decode(r: ByteReader): T;
  check(value: unknown): value is T;
}

type Part = { enc(w: ByteWriter, v: unknown): void; dec(r: ByteReader): unknown };

const isOptional = (s: TSchema): boolean => (s as unknown as Record<symbol, unknown>)[OptionalKind] === "Optional";

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder("utf-8", { fatal: true });

/** Count of an array's items: bounded by the schema and by the bytes left, so a hostile count cannot allocate. */
const itemCount = (r: ByteReader, s: TSchema): number => {
  const n = r.uvarint();
  const max = typeof s.maxItems === "number" ? s.maxItems : r.remaining;
  if (n > max || n > r.remaining) throw new FormatError(`Array of ${n} items exceeds its bound of ${Math.min(max, r.remaining)}`);
  return n;
};

const objectPart = (s: TSchema): Part => {
  const entries = Object.entries(s.properties as Record<string, TSchema>).map(([key, sub]) => ({
    key,
    optional: isOptional(sub),
    part: part(sub),
  }));
  const optional = entries.filter((e) => e.optional);
  return {
    enc(w, v) {
      const o = v as Record<string, unknown>;
      if (optional.length > 0) {
        let bits = 0;
        optional.forEach((e, i) => {
          if (o[e.key] !== undefined) bits += 2 ** i;
        });
        w.uvarint(bits);
      }
      for (const e of entries) if (!e.optional || o[e.key] !== undefined) e.part.enc(w, o[e.key]);
    },
    dec(r) {
      const bits = optional.length > 0 ? r.uvarint() : 0;
      const o: Record<string, unknown> = {};
      let i = 0;
      for (const e of entries) {
        if (e.optional && Math.floor(bits / 2 ** i++) % 2 === 0) continue;
        o[e.key] = e.part.dec(r);
      }
      return o;
    },
  };
};

const unionPart = (s: TSchema): Part => {
  const members = s.anyOf as TSchema[];
  if (members.every((m) => m[Kind] === "Literal")) {
    const values = members.map((m) => m.const as unknown);
    return {
      enc: (w, v) => w.uvarint(values.indexOf(v)),
      dec(r) {
        const i = r.uvarint();
        if (i >= values.length) throw new FormatError(`Choice ${i} is not one of ${values.length}`);
        return values[i];
      },
    };
  }
  const checks = members.map(schemaCheck);
  const parts = members.map(part);
  return {
    enc(w, v) {
      const i = checks.findIndex((c) => c.Check(v));
      if (i < 0) throw new RangeError("Encode union: the value matches no member");
      w.uvarint(i);
      parts[i]!.enc(w, v);
    },
    dec(r) {
      const i = r.uvarint();
      const p = parts[i];
      if (!p) throw new FormatError(`Union member ${i} is not one of ${parts.length}`);
      return p.dec(r);
    },
  };
};

const part = (s: TSchema): Part => {
  switch (s[Kind]) {
    case "Integer":
      return typeof s.minimum === "number" && s.minimum >= 0
        ? { enc: (w, v) => w.uvarint(v as number), dec: (r) => r.uvarint() }
        : { enc: (w, v) => w.svarint(v as number), dec: (r) => r.svarint() };
    case "Boolean":
      return { enc: (w, v) => w.u8(v ? 1 : 0), dec: (r) => r.u8() === 1 };
    case "String":
      return {
        enc(w, v) {
          const b = textEncoder.encode(v as string);
          w.uvarint(b.length).bytes(b);
        },
        dec(r) {
          try {
            return textDecoder.decode(r.bytes(r.uvarint()));
          } catch (err) {
            throw err instanceof FormatError ? err : new FormatError(`String at offset ${r.pos} is not UTF-8`);
          }
        },
      };
    case "Uint8Array":
      return {
        enc: (w, v) => w.uvarint((v as Uint8Array).length).bytes(v as Uint8Array),
        dec: (r) => r.bytes(r.uvarint()).slice(),
      };
    case "Literal":
      return { enc: () => {}, dec: () => s.const };
    case "Object":
      return objectPart(s);
    case "Union":
      return unionPart(s);
    case "Array": {
      const item = part(s.items as TSchema);
      return {
        enc(w, v) {
          const a = v as unknown[];
          w.uvarint(a.length);
          for (const x of a) item.enc(w, x);
        },
        dec(r) {
          const n = itemCount(r, s);
          const a: unknown[] = [];
          for (let i = 0; i < n; i++) a.push(item.dec(r));
          return a;
        },
      };
    }
    default:
      throw new TypeError(`Schema codec: kind '${String(s[Kind])}' has no binary form`);
  }
};

export const codecFor = <S extends TSchema>(schema: S): Codec<Static<S>> => {
  const p = part(schema);
  const compiled = schemaCheck(schema);
  return {
    schema,
    encode: (w, value) => p.enc(w, value),
    decode(r) {
      const v = p.dec(r);
      if (!compiled.Check(v)) {
        const first = compiled.First(v);
        throw new FormatError(`Decoded value breaks its schema at '${first?.path ?? ""}': ${first?.message ?? "invalid"}`);
      }
      return v as Static<S>;
    },
    check: (value): value is Static<S> => compiled.Check(value),
  };
};
