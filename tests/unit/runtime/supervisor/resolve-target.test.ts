import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultConfig } from "../../../../runtime/spec/default.ts";
import { resolveTarget } from "../../../../runtime/supervisor/resolve-target.ts";
import { decodeTarget } from "../../../../runtime/supervisor/target-state.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "bunker-resolve-"));
  mkdirSync(join(dir, "b", "rootfs"), { recursive: true });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const doc = (services: Record<string, unknown>) => decodeTarget({ device: "d", version: "1", services });
const config = (args: string[]) => writeFileSync(join(dir, "b", "config.json"), JSON.stringify({ ...defaultConfig(), process: { ...defaultConfig().process, args } }));

describe("resolveTarget()", () => {
  test("a bundle service's hash covers its config.json; an image's, the document alone", () => {
    config(["/bin/a"]);
    const one = resolveTarget(doc({ web: { bundle: join(dir, "b") } })).services.get("web")!.hash;
    config(["/bin/b"]);
    const two = resolveTarget(doc({ web: { bundle: join(dir, "b") } })).services.get("web")!.hash;
    expect(one).not.toBe(two);
    const image = `registry.local/web@sha256:${"c".repeat(64)}`;
    expect(resolveTarget(doc({ web: { image } })).services.get("web")!.hash).toBe(resolveTarget(doc({ web: { image } })).services.get("web")!.hash);
  });

  test("refuses a bundle whose config.json is missing or invalid, naming the service's pointer", () => {
    expect(() => resolveTarget(doc({ web: { bundle: join(dir, "none") } }), "t.json")).toThrow(`Invalid t.json: /services/web/bundle: '${join(dir, "none", "config.json")}'`);
    writeFileSync(join(dir, "b", "config.json"), JSON.stringify({ ociVersion: "1.0.2", process: { args: [] } }));
    expect(() => resolveTarget(doc({ web: { bundle: join(dir, "b") } }), "t.json")).toThrow("Invalid t.json: /services/web/bundle:");
  });
});
