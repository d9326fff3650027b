import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { boardSchemaDocuments } from "../../../board/export-schemas.ts";
import { SCHEMA_DIR } from "../../../runtime/spec/export-schemas.ts";

describe("boardSchemaDocuments()", () => {
  test("docs/schemas holds the current board schemas (run `npm run schemas` after changing one)", () => {
    for (const [name, text] of Object.entries(boardSchemaDocuments())) expect([name, readFileSync(join(SCHEMA_DIR, name), "utf8")]).toEqual([name, text]);
  });
});
