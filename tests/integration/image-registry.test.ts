// Pulls from Debian's docker-registry (distribution 2.8) on loopback, images pushed with skopeo: plain HTTP, Basic
// auth over TLS with a self-signed certificate, token auth through a token server; a pull killed mid-layer resumes
// with Range; a blob the registry serves damaged is refused naming both digests; verify --repair fetches one blob.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BIN, bunker, newRoot, skipReason } from "../support/cli.ts";
import { busyboxLayout, imageToolsMissing, pushLayout, selfSigned, startRegistry, tempDir, tool, toolAsync, type Registry } from "../support/images.ts";
import { startTokenServer, type TokenServer } from "../support/token-server.ts";

const skip = skipReason() ?? imageToolsMissing();
if (skip) console.log(`SKIP image registry: ${skip}`);

const EXPECTED = "hi from 1000:1000 in /app";
const lastJson = (out: string) => JSON.parse(out.trim().split("\n").pop()!);

describe.skipIf(!!skip)("image pull", () => {
  let work: string;
  let root: string;
  let layout: string;
  const registries: Registry[] = [];
  let tokens: TokenServer | undefined;
  const store = () => join(work, "store");
  const b = (args: string[], s = store()) => bunker(root, ["--journal", "none", "--images", s, ...args]);
  /** For a registry whose token server runs in this process: its event loop must keep turning. */
  const bAsync = async (args: string[], s: string) => {
    const p = Bun.spawn([BIN, "--root", root, "--journal", "none", "--images", s, ...args], { stdout: "pipe", stderr: "pipe", stdin: "ignore" });
    const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
    return { stdout, stderr, code };
  };

  beforeAll(() => {
    work = tempDir();
    root = newRoot();
    layout = busyboxLayout(work);
    // A fourth layer of 96 MiB that does not compress: long enough to kill a pull in the middle of it.
    const big = join(work, "big");
    mkdirSync(big);
    tool(["sh", "-c", `head -c ${96 * 1024 * 1024} /dev/urandom > ${join(big, "blob")}`]);
    tool(["umoci", "insert", "--image", `${layout}:latest`, "--tag", "big", join(big, "blob"), "/big/blob"]);
  });
  afterAll(async () => {
    for (const r of registries) await r.stop();
    tokens?.stop();
    rmSync(work, { recursive: true, force: true });
    rmSync(root, { recursive: true, force: true });
  });

  test("plain HTTP: a pull stores every blob, runs, and a second pull writes nothing", async () => {
    const reg = await startRegistry(join(work, "plain"));
    registries.push(reg);
    await pushLayout(layout, "latest", `${reg.host}/app:1`);
    const r = b(["image", "pull", "--insecure", `${reg.host}/app:1`]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(new RegExp(`^${reg.host}/app:1 sha256:[0-9a-f]{64} linux/\\w+: 6 blobs written`));
    expect(b(["run", "--image", `${reg.host}/app:1`, "pulled"]).stdout.trim()).toBe(EXPECTED);
    expect(lastJson(b(["image", "pull", "--insecure", "--json", `${reg.host}/app:1`]).stdout)).toMatchObject({ event: "result", written: 0, reused: 6 });
    // By digest, as an OTA document pins it.
    const digest = lastJson(b(["image", "pull", "--insecure", "--json", `${reg.host}/app:1`]).stdout).digest;
    expect(b(["image", "pull", "--insecure", `${reg.host}/app@${digest}`]).code).toBe(0);
    const missing = b(["image", "pull", "--insecure", `${reg.host}/nope:1`]);
    expect(missing.stderr.trim()).toBe(`bunker: Fetch the manifest of image '${reg.host}/nope:1': the registry answered 404 Not Found: MANIFEST_UNKNOWN (manifest unknown)`);
  });

  test("Basic auth over TLS with a self-signed certificate: --ca-file and --user", async () => {
    const dir = join(work, "basic");
    mkdirSync(dir);
    const tls = selfSigned(dir);
    const htpasswd = join(dir, "htpasswd");
    writeFileSync(htpasswd, `edge:${await Bun.password.hash("s3cret", { algorithm: "bcrypt", cost: 4 })}\n`);
    const reg = await startRegistry(dir, { htpasswd, tls });
    registries.push(reg);
    await pushLayout(layout, "latest", `${reg.host}/app:1`, "edge:s3cret");
    const s = join(work, "store-basic");
    const untrusted = b(["image", "pull", "--user", "edge:s3cret", `${reg.host}/app:1`], s);
    expect(untrusted.code).toBe(1);
    expect(untrusted.stderr).toContain(`cannot reach 127.0.0.1`);
    const anonymous = b(["image", "pull", "--ca-file", tls.cert, `${reg.host}/app:1`], s);
    expect(anonymous.stderr.trim()).toBe(`bunker: Fetch the manifest of image '${reg.host}/app:1': the registry wants credentials (give --user or --auth-file)`);
    const wrong = b(["image", "pull", "--ca-file", tls.cert, "--user", "edge:nope", `${reg.host}/app:1`], s);
    expect(wrong.stderr).toContain("the registry refused these credentials");
    const authFile = join(dir, "auth.json");
    writeFileSync(authFile, JSON.stringify({ auths: { [reg.host]: { auth: Buffer.from("edge:s3cret").toString("base64") } } }));
    const ok = b(["image", "pull", "--ca-file", tls.cert, "--auth-file", authFile, `${reg.host}/app:1`], s);
    expect(ok.stderr).toBe("");
    expect(ok.code).toBe(0);
  });

  test("token auth: the registry's Bearer challenge is answered by its token server, with the credentials", async () => {
    const dir = join(work, "token");
    mkdirSync(dir);
    const signer = selfSigned(dir, "signer");
    tokens = startTokenServer(signer, "edge", "s3cret");
    const reg = await startRegistry(dir, { token: { realm: tokens.realm, service: tokens.service, issuer: tokens.issuer, rootCert: signer.cert } });
    registries.push(reg);
    await pushLayout(layout, "latest", `${reg.host}/team/app:1`, "edge:s3cret");
    const s = join(work, "store-token");
    expect((await bAsync(["image", "pull", "--insecure", `${reg.host}/team/app:1`], s)).stderr).toContain("token from 127.0.0.1");
    const ok = await bAsync(["image", "pull", "--insecure", "--user", "edge:s3cret", `${reg.host}/team/app:1`], s);
    expect(ok.stderr).toBe("");
    expect(tokens.requests.at(-1)).toEqual({ scope: "repository:team/app:pull", authorized: true });
    expect(b(["run", "--image", `${reg.host}/team/app:1`, "tokened"], s).stdout.trim()).toBe(EXPECTED);
  });

  test("a pull killed in the middle of a layer resumes from its last checkpoint (Range), and the image is whole", async () => {
    const reg = registries[0]!;
    await pushLayout(layout, "big", `${reg.host}/app:big`);
    const s = join(work, "store-resume");
    // Killed once its partial blob holds more than 24 MiB of the big layer (polled from outside, as a power cut).
    let killedAt = 0;
    const p = Bun.spawn([BIN, "--root", root, "--images", s, "image", "pull", "--insecure", `${reg.host}/app:big`], { stdout: "ignore", stderr: "ignore" });
    while (p.exitCode === null && !killedAt) {
      for (const name of existsSync(join(s, "ingest")) ? readdirSync(join(s, "ingest")) : []) {
        if (name.endsWith(".at")) continue;
        const size = (() => {
          try {
            return statSync(join(s, "ingest", name)).size;
          } catch {
            return 0;
          }
        })();
        if (size > 24 * 1024 * 1024) {
          p.kill("SIGKILL");
          killedAt = size;
        }
      }
      await Bun.sleep(1);
    }
    await p.exited;
    expect(killedAt).toBeGreaterThan(0);
    const again = b(["image", "pull", "--insecure", "--json", `${reg.host}/app:big`], s);
    const events = again.stdout.trim().split("\n").map((l) => JSON.parse(l));
    const resumed = events.find((e) => e.event === "begin" && e.total > 64 * 1024 * 1024);
    // Kept: everything up to the last 8 MiB checkpoint before the kill.
    expect(resumed.done).toBeGreaterThanOrEqual(8 * 1024 * 1024);
    expect(resumed.done).toBeLessThanOrEqual(killedAt);
    expect(events.at(-1)).toMatchObject({ event: "result" });
    expect(b(["image", "verify", "--json"], s).code).toBe(0);
    expect(readdirSync(join(s, "ingest"))).toEqual([]);
  });

  test("a layer the registry serves damaged is refused naming both digests, and no partial blob stays", async () => {
    const dir = join(work, "damaged");
    const reg = await startRegistry(dir);
    registries.push(reg);
    await pushLayout(layout, "latest", `${reg.host}/app:1`);
    const manifest = JSON.parse(await toolAsync(["skopeo", "inspect", "--tls-verify=false", "--raw", `docker://${reg.host}/app:1`]));
    const layer = manifest.layers[0].digest as string;
    const data = join(reg.data, "docker/registry/v2/blobs/sha256", layer.slice(7, 9), layer.slice(7), "data");
    const bytes = readFileSync(data);
    bytes[bytes.length >> 1]! ^= 0xff;
    writeFileSync(data, bytes);
    const s = join(work, "store-damaged");
    const r = b(["image", "pull", "--insecure", `${reg.host}/app:1`], s);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(new RegExp(`digest mismatch: expected ${layer}, got sha256:[0-9a-f]{64}; the partial blob was removed`));
    expect(readdirSync(join(s, "ingest"))).toEqual([]);
    expect(readdirSync(join(s, "blobs/sha256"))).not.toContain(layer.slice(7));
    expect(JSON.parse(b(["image", "ls", "--json"], s).stdout)).toEqual([]);
  });

  test("verify finds a damaged blob, and --repair pulls that blob alone again", async () => {
    const reg = registries[0]!;
    const s = store();
    const inspect = JSON.parse(b(["image", "inspect", "--json", `${reg.host}/app:1`], s).stdout);
    const layer = inspect.layers[1].digest as string;
    const path = join(s, "blobs/sha256", layer.slice(7));
    const bytes = readFileSync(path);
    bytes[0]! ^= 0xff;
    tool(["chmod", "u+w", path]);
    writeFileSync(path, bytes);
    // Every other blob, by inode: the repair must leave them as they are.
    const others = () => Object.fromEntries(readdirSync(join(s, "blobs/sha256")).filter((h) => h !== layer.slice(7)).map((h) => [h, statSync(join(s, "blobs/sha256", h)).ino]));
    const before = others();
    const v = b(["image", "verify"], s);
    expect(v.code).toBe(1);
    expect(v.stdout).toContain(`damaged ${layer}: hashes to sha256:`);
    const repaired = lastJson(b(["image", "verify", "--repair", "--insecure", "--json"], s).stdout);
    expect(repaired.clean).toBe(true);
    expect(repaired.damaged.map((d: { digest: string }) => d.digest)).toEqual([layer]);
    expect(repaired.repaired).toContain(`${reg.host}/app:1`);
    expect(b(["image", "verify"], s).code).toBe(0);
    expect(others()).toEqual(before);
  });

  test("a pull that does not fit is refused before its first byte, saying how much is missing", async () => {
    const reg = registries[0]!;
    await pushLayout(layout, "big", `${reg.host}/app:big`);
    const small = join(work, "small-store");
    mkdirSync(small);
    tool(["mount", "-t", "tmpfs", "-o", "size=32m", "tmpfs", small]);
    try {
      const r = b(["image", "pull", "--insecure", `${reg.host}/app:big`], small);
      expect(r.code).toBe(1);
      expect(r.stderr.trim()).toMatch(new RegExp(`^bunker: Pull of image '${reg.host}/app:big' needs 9\\d\\.\\d MiB more on the image store's file system \\(7 of 7 blobs are new\\) and 3\\d\\.\\d MiB is free: \\d+\\.\\d MiB missing$`));
      expect(readdirSync(join(small, "blobs/sha256"))).toEqual([]);
      expect(readdirSync(join(small, "ingest"))).toEqual([]);
      expect(existsSync(join(small, "index"))).toBe(false);
    } finally {
      tool(["umount", small]);
    }
  });
});
