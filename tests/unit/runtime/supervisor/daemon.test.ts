import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadDaemonConfig } from "../../../../runtime/supervisor/daemon.ts";
import { eventLogPath } from "../../../../runtime/memory/event-log.ts";

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "bunker-daemon-"))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const write = (value: unknown): string => {
  const file = join(dir, "daemon.json");
  writeFileSync(file, typeof value === "string" ? value : JSON.stringify(value));
  return file;
};

describe("loadDaemonConfig()", () => {
  test("fills every default when no file is given", () => {
    expect(loadDaemonConfig(undefined)).toEqual({
      oomReserveBytes: 0, oomGrantBytes: 8 << 20, eventLogBytes: 256 << 10, lockMemory: true, nice: -10, logs: { bufferBytes: 64 << 10, flushMs: 30_000 },
    });
  });

  test("keeps ladder overrides and fills the rest", () => {
    const c = loadDaemonConfig(write({ ladder: { sampleMs: 1000 }, lockMemory: false }));
    expect(c.ladder?.sampleMs).toBe(1000);
    expect(c.ladder?.releaseAfterMs).toBe(30_000);
    expect(c.lockMemory).toBe(false);
    expect(c.nice).toBe(-10);
  });

  test("names the file and the field that is wrong", () => {
    const file = write({ nice: -40 });
    expect(() => loadDaemonConfig(file)).toThrow(`Invalid ${file}: /nice:`);
    expect(() => loadDaemonConfig(write({ ladder: { sampelMs: 1 } }))).toThrow("/ladder/sampelMs");
    expect(() => loadDaemonConfig(write("{"))).toThrow("Not JSON");
  });
});

describe("eventLogPath()", () => {
  test("is a hidden entry of the root, never taken for a container", () => {
    expect(eventLogPath("/run/bunker")).toBe("/run/bunker/.events/memory.jsonl");
  });
});
