// From a checked target document to what the planner reads: each service's spec hash, which for a bundle service
// also covers its config.json (a firmware that replaces the bundle's config changes the service), checked here so a
// bad bundle is refused before anything runs.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describeError } from "../errors.ts";
import { parseConfig } from "../spec/config.ts";
import { InvalidDocumentError, parseJson } from "../spec/json-text.ts";
import { desiredOf, type Desired } from "./desired.ts";
import { serviceHash } from "./spec-hash.ts";
import type { DecodedTarget } from "./target-state.ts";

export const resolveTarget = ({ target, written }: DecodedTarget, file = "target state"): Desired => {
  const hashes = new Map<string, string>();
  for (const [name, s] of Object.entries(target.services)) {
    if (s.bundle === undefined) {
      // The digest in the reference covers the image: the document alone fixes what runs.
      hashes.set(name, serviceHash(written[name]));
      continue;
    }
    const path = join(s.bundle, "config.json");
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(path);
      parseConfig(parseJson(Buffer.from(bytes).toString("utf8"), path), s.bundle);
    } catch (err) {
      throw new InvalidDocumentError(file, `/services/${name}/bundle`, `'${path}': ${describeError(err)}`);
    }
    hashes.set(name, serviceHash(written[name], [bytes]));
  }
  return desiredOf(target, hashes);
};
