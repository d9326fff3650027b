// JSON with exact integers: a bigint (a cgroup count beyond 2^53) is written as its digits, as Go's uint64s are,
// where JSON.stringify would throw on it (and a double would print 9223372036854771712 as 9223372036854772000).

// JSON.rawJSON (TC39 "JSON.parse source text access") is in Bun, not yet in TypeScript's lib.
declare global {
  interface JSON {
    rawJSON(text: string): unknown;
  }
}

export const exactJson = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? JSON.rawJSON(v.toString()) : v));
