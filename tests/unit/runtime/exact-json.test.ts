import { describe, expect, test } from "bun:test";
import { exactJson } from "../../../runtime/exact-json.ts";

describe("exactJson()", () => {
  test("writes a bigint as its exact digits and everything else as JSON.stringify does", () => {
    expect(exactJson({ limit: 9223372036854771712n, max: 18446744073709551615n, n: 1.5, s: "x", a: [1n] })).toBe(
      '{"limit":9223372036854771712,"max":18446744073709551615,"n":1.5,"s":"x","a":[1]}',
    );
  });
});
