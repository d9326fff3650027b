import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { SCHEMA_DIR, schemaDocuments } from "../../tools/schemas.ts";

describe("schemaDocuments()", () => {
  const docs = schemaDocuments();

  test("match the files in docs/schemas (run `npm run schemas` after changing a schema)", () => {
    for (const [name, text] of Object.entries(docs)) expect([name, readFileSync(join(SCHEMA_DIR, name), "utf8")]).toEqual([name, text]);
  });

  test("leave properties with a default optional, as a user writes the document", () => {
    const config = JSON.parse(docs["config.schema.json"]!);
    expect(config.required).toEqual(["ociVersion", "process"]);
    expect(config.properties.process.required).toEqual(["user", "args"]);
    expect(config.properties.root.properties.path.default).toBe("rootfs");
  });

  test("are plain JSON Schema draft-07 documents", () => {
    for (const text of Object.values(docs)) expect(JSON.parse(text).$schema).toBe("http://json-schema.org/draft-07/schema#");
  });
});
