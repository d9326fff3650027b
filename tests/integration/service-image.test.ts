// A service from an image, as the compiled daemon runs it: an image made with umoci and skopeo (a docker-archive),
// imported into the store, named in the target by digest; each instance gets a root of its own in the store (an
// overlay over the image's layers), which goes when the instance goes. A reference the store does not hold fails
// the service's start, with the reference named, and leaves no root behind.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { busyboxImage } from "../support/busybox-image.ts";
import { BIN, bunker, newRoot, skipReason } from "../support/cli.ts";
import { imageToolsMissing } from "../support/images.ts";
import { until } from "../support/until.ts";
import type { DeviceStatus } from "../../runtime/supervisor/status.ts";

const skip = skipReason() ?? imageToolsMissing(["umoci", "skopeo"]);
if (skip) console.log(`SKIP service image: ${skip}`);

const TEST_MS = 60_000;


describe.skipIf(!!skip)("a service from an image", () => {
  let root: string;
  let dir: string;
  let daemon: ReturnType<typeof Bun.spawn> | undefined;
  const images = (): string => join(dir, "images");
  const cli = (args: string[]) => bunker(root, ["--journal", join(dir, "journal"), "--images", images(), ...args]);
  const status = (): DeviceStatus => JSON.parse(cli(["status", "--json"]).stdout);
  const apply = (version: string, services: Record<string, unknown>) => {
    const file = join(dir, `target-${version}.json`);
    writeFileSync(file, JSON.stringify({ device: "host", version, services }));
    return cli(["apply", file]);
  };
  const roots = (): string[] => (existsSync(join(images(), "containers")) ? readdirSync(join(images(), "containers")) : []);
  let ref: string;

  beforeAll(async () => {
    root = newRoot();
    dir = mkdtempSync(join(tmpdir(), "bunker-service-image-"));
    const archive = busyboxImage(dir, ["sh", "sleep", "echo", "cat"]);
    expect(cli(["image", "import", archive]).code).toBe(0);
    const [image] = JSON.parse(cli(["image", "ls", "--json"]).stdout) as { name: string; digest: string }[];
    ref = `${image!.name.replace(/:[^:/]*$/, "")}@${image!.digest}`;
    daemon = Bun.spawn([BIN, "--root", root, "--journal", join(dir, "journal"), "--images", images(), "daemon"], { stdout: "ignore", stderr: "inherit", stdin: "ignore" });
    await until(() => existsSync(join(root, ".daemon.sock")) && cli(["status", "--json"]).stdout.includes('"running":true'), "the daemon's socket", 30_000);
  }, TEST_MS);

  afterAll(async () => {
    if (daemon) {
      daemon.kill("SIGTERM");
      await daemon.exited;
    }
    for (const c of JSON.parse(bunker(root, ["list", "--format", "json"]).stdout || "[]") as { id: string }[]) cli(["delete", "--force", c.id]);
    for (const d of [root, dir]) rmSync(d, { recursive: true, force: true });
  }, TEST_MS);

  test("runs from its own root in the store, with the image's files and the target's overrides", async () => {
    const r = apply("1", { web: { image: ref, args: ["sh", "-c", "echo served from $(cat /etc/passwd | wc -l) users; trap 'exit 0' TERM; while :; do sleep 0.2; done"] } });
    expect([r.code, r.stderr, r.stdout]).toEqual([0, "", expect.any(String)]);
    await until(() => status().services.find((s) => s.name === "web")?.actual === "running", "web running", 30_000);
    const instance = status().services.find((s) => s.name === "web")!.instance!;
    expect(roots()).toEqual([instance]);
    await until(() => cli(["logs", "web"]).stdout.includes("served from"), "web's log", 5000);
  }, TEST_MS);

  test("an instance that goes takes its root with it; the image stays", async () => {
    expect(apply("2", {}).code).toBe(0);
    await until(() => status().services.length === 0 && JSON.parse(cli(["list", "--format", "json"]).stdout).length === 0, "web gone", 30_000);
    expect(roots()).toEqual([]);
    expect(JSON.parse(cli(["image", "ls", "--json"]).stdout)).toHaveLength(1);
  }, TEST_MS);

  test("an image the store does not hold fails the start with its reference, and leaves no root", async () => {
    const missing = `${ref.split("@")[0]}@sha256:${"0".repeat(64)}`;
    const r = apply("3", { web: { image: missing, args: ["sh"] } });
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toContain(`sha256:${"0".repeat(64)}`);
    expect(roots()).toEqual([]);
    expect(JSON.parse(cli(["list", "--format", "json"]).stdout)).toEqual([]);
  }, TEST_MS);
});
