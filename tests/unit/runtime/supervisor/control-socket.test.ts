import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { askDaemon, controlSocketPath, serveControl, type ControlRequest } from "../../../../runtime/supervisor/control-socket.ts";

let root: string;
beforeEach(() => void (root = mkdtempSync(join(tmpdir(), "bunker-ctl-"))));
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe("the control socket", () => {
  test("carries one request and one reply, and only the owner may connect", async () => {
    const seen: ControlRequest[] = [];
    const server = await serveControl(controlSocketPath(root), async (r) => {
      seen.push(r);
      if (r.op === "apply") throw new Error("Invalid target state: /version: Expected string");
      return { services: [] };
    });
    try {
      expect(statSync(controlSocketPath(root)).mode & 0o777).toBe(0o600);
      expect(await askDaemon(controlSocketPath(root), { op: "status" })).toEqual({ ok: true, result: { services: [] } });
      expect(await askDaemon(controlSocketPath(root), { op: "apply", document: "{}", file: "t.json", dryRun: false })).toEqual({
        ok: false,
        error: "Invalid target state: /version: Expected string",
      });
      expect(await askDaemon(controlSocketPath(root), { op: "flush-logs", service: "web" })).toEqual({ ok: true, result: { services: [] } });
      expect(seen.map((r) => r.op)).toEqual(["status", "apply", "flush-logs"]);
      // A second daemon on the same root is refused.
      expect(serveControl(controlSocketPath(root), async () => ({}))).rejects.toThrow("another daemon answers there");
    } finally {
      server.close();
    }
    expect(existsSync(controlSocketPath(root))).toBe(false);
  });

  test("says nobody listens when there is no socket, or only the file of a dead daemon", async () => {
    expect(await askDaemon(controlSocketPath(root), { op: "status" })).toBeUndefined();
    writeFileSync(controlSocketPath(root), "");
    expect(await askDaemon(controlSocketPath(root), { op: "status" })).toBeUndefined();
    const server = await serveControl(controlSocketPath(root), async () => "ok");
    server.close();
  });
});
