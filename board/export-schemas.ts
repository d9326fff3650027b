// The board's documents as JSON Schema (run by `npm run schemas` after runtime's): `board check --json` and profiles.
import { document, writeSchemaDocuments } from "../runtime/spec/export-schemas.ts";
import { CheckReportSchema } from "./check/report.ts";
import { BoardProfileSchema } from "./profile.ts";

export const boardSchemaDocuments = (): Record<string, string> => ({
  "board-check.schema.json": document(CheckReportSchema),
  "board-profile.schema.json": document(BoardProfileSchema),
});

if (import.meta.main) writeSchemaDocuments(boardSchemaDocuments());
