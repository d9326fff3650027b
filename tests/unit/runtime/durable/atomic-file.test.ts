import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeFileAtomic } from "../../../../runtime/durable/atomic-file.ts";
import { FAILURE_MODELS, FaultStorage } from "../../../../runtime/durable/fault-storage.ts";

const text = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : new TextDecoder().decode(b));

describe("writeFileAtomic()", () => {
  test("a durable write survives a power cut right after it returns, under every failure model", () => {
    const disk = new FaultStorage();
    writeFileAtomic("/state/s.json", "old", { durable: true }, disk);
    writeFileAtomic("/state/s.json", "new", { durable: true }, disk);
    for (const model of FAILURE_MODELS)
      for (let seed = 0; seed < 8; seed++) {
        const after = new FaultStorage(disk.afterCut(model, seed));
        expect([model, seed, text(after.read("/state/s.json")), after.list("/state")]).toEqual([model, seed, "new", ["s.json"]]);
      }
  });

  test("a cut at any call of a durable write leaves the old content or the new, never a mix or nothing", () => {
    // remove, open, write, fsync, rename, fsync(dir): six calls, and one cut past them all.
    for (let cut = 1; cut <= 7; cut++) {
      const disk = new FaultStorage();
      writeFileAtomic("/state/s.json", "old content", { durable: true }, disk);
      const cutting = new FaultStorage(disk.afterCut("drop", 0), cut);
      try {
        writeFileAtomic("/state/s.json", "new", { durable: true }, cutting);
      } catch {
        // The cut.
      }
      for (const model of FAILURE_MODELS) expect(["old content", "new"]).toContain(text(new FaultStorage(cutting.afterCut(model, cut)).read("/state/s.json")) ?? "(nothing)");
    }
  });

  test("writes the file with the mode asked for and leaves no temporary file", () => {
    const dir = mkdtempSync(join(tmpdir(), "atomic-"));
    try {
      writeFileAtomic(join(dir, "pid"), "4242", { mode: 0o600, durable: true });
      writeFileAtomic(join(dir, "pid"), "42", { mode: 0o600 });
      expect(readFileSync(join(dir, "pid"), "utf8")).toBe("42");
      expect(statSync(join(dir, "pid")).mode & 0o777).toBe(0o600);
      expect(existsSync(join(dir, "pid.tmp"))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
