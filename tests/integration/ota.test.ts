// Over-the-air updates with the compiled executable as root: images made with umoci, pushed with skopeo into Debian's
// docker-registry on loopback, keys made and documents signed by `bunker ota keygen|sign`. A first install, a healthy
// update (committed, the unchanged service never restarted: each service counts its own starts on its volume), a
// version that crash-loops (rolled back alone, the other service's change kept), one that never becomes healthy
// (rolled back; with start-then-stop the old instance never stopped), `rollback: all`, refusals before anything is
// downloaded (unsigned, unknown key, expired, a tampered payload, a replayed older version), a tampered image blob
// (refused before the switch), and a space budget that does not fit (clean refusal, running set untouched).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BIN, bunker, newRoot, skipReason } from "../support/cli.ts";
import { until } from "../support/until.ts";
import { imageToolsMissing, startRegistry, tempDir, tool, toolAsync, versionedImage, type Registry } from "../support/images.ts";
import type { OtaStatus } from "../../runtime/supervisor/ota-host.ts";
import type { DeviceStatus } from "../../runtime/supervisor/status.ts";

const skip = skipReason() ?? imageToolsMissing();
if (skip) console.log(`SKIP ota: ${skip}`);

const TEST_MS = 120_000;


describe.skipIf(!!skip)("bunker ota", () => {
  let work: string;
  let root: string;
  let reg: Registry;
  const images: Record<string, string> = {};
  const journal = () => join(work, "journal");
  const store = () => join(work, "store");
  const trust = () => join(work, "trust");
  const cli = (args: string[], r = root, j = journal(), s = store()) => bunker(r, ["--journal", j, "--images", s, ...args]);
  const starts = (name: string, r = root): number => {
    const f = join(r, ".volumes", `${name}-data`, "starts");
    return existsSync(f) ? readFileSync(f, "utf8").split("\n").filter(Boolean).length : 0;
  };
  /** A service that counts its starts on its volume and ends cleanly on SIGTERM. */
  const counting = (name: string, image: string, extra: Record<string, unknown> = {}) => ({
    image,
    args: ["sh", "-c", `echo start >> /data/starts; trap 'exit 0' TERM; while :; do sleep 0.2; done`],
    volumes: [{ name: `${name}-data`, destination: "/data" }],
    stopGracePeriod: "2s",
    ...extra,
  });
  const sign = (version: string, services: Record<string, unknown>, flags: string[] = [], key = join(work, "key.key")): string => {
    const target = join(work, `target-${version}.json`);
    writeFileSync(target, JSON.stringify({ device: "host", version, services }));
    const r = cli(["ota", "sign", "--key", key, "--gate-window", "2s", ...flags, target]);
    expect(r.stderr).toBe("");
    const file = join(work, `update-${version}-${Math.random().toString(36).slice(2, 8)}.json`);
    writeFileSync(file, r.stdout);
    return file;
  };
  const apply = (file: string, r = root, j = journal(), s = store()) => cli(["ota", "apply", "--insecure", "--trust", trust(), "--json", file], r, j, s);
  const result = (out: string) => JSON.parse(out.trim().split("\n").pop()!) as { state: OtaStatus["update"] & object; version: string };
  const status = (): DeviceStatus => JSON.parse(cli(["status", "--json"]).stdout);
  const instance = (name: string) => status().services.find((s) => s.name === name);
  const blobs = (s = store()) => (existsSync(join(s, "blobs/sha256")) ? readdirSync(join(s, "blobs/sha256")).sort() : []);
  const digest = async (tag: string) => (await toolAsync(["skopeo", "inspect", "--tls-verify=false", "--format", "{{.Digest}}", `docker://${reg.host}/app:${tag}`])).trim();

  beforeAll(async () => {
    work = tempDir("bunker-ota-");
    root = newRoot();
    reg = await startRegistry(join(work, "registry"));
    for (const tag of ["1", "2", "3"]) {
      const layout = versionedImage(work, tag);
      await toolAsync(["skopeo", "copy", "--dest-tls-verify=false", `oci:${layout}:${tag}`, `docker://${reg.host}/app:${tag}`]);
      images[tag] = `${reg.host}/app@${await digest(tag)}`;
    }
    mkdirSync(trust());
    const k = cli(["ota", "keygen", join(work, "key")]);
    expect(k.stdout).toMatch(/^sha256:[0-9a-f]{64} /);
    copyFileSync(join(work, "key.pub"), join(trust(), "pipeline.pub"));
    // A key the device does not trust (ECDSA P-256, the other accepted type).
    cli(["ota", "keygen", "--type", "p256", join(work, "stranger")]);
  }, TEST_MS);
  afterAll(async () => {
    for (const c of JSON.parse(bunker(root, ["list", "--format", "json"]).stdout || "[]") as { id: string }[]) cli(["delete", "--force", c.id]);
    await reg?.stop();
    // Mounts below the work directory (its path follows TMPDIR), deepest last mounted first.
    const mounts = readFileSync("/proc/self/mountinfo", "utf8").split("\n").map((l) => l.split(" ")[4]).filter((m): m is string => !!m && m.startsWith(`${work}/`));
    for (const m of mounts.reverse()) Bun.spawnSync(["umount", "-l", m]);
    rmSync(work, { recursive: true, force: true });
    rmSync(root, { recursive: true, force: true });
  }, TEST_MS);

  test("a first install from nothing, then a healthy update: committed, the unchanged service never restarted", () => {
    const first = apply(sign("1", { web: counting("web", images["1"]!), worker: counting("worker", images["1"]!) }));
    expect(first.code).toBe(0);
    expect(result(first.stdout).state).toMatchObject({ version: "1", phase: "done", outcome: "committed" });
    expect([starts("web"), starts("worker")]).toEqual([1, 1]);

    const r = apply(sign("2", { web: counting("web", images["2"]!), worker: counting("worker", images["1"]!) }));
    expect(r.code).toBe(0);
    const s = result(r.stdout).state;
    expect(s).toMatchObject({ version: "2", from: "1", outcome: "committed", installed: "2" });
    expect(s.services).toEqual([{ name: "web", outcome: "running" }, { name: "worker", outcome: "unchanged" }]);
    expect([starts("web"), starts("worker")]).toEqual([2, 1]);
    // The pins moved only now: last-known-good holds exactly what runs.
    const pins = JSON.parse(cli(["image", "ls", "--json"]).stdout) as { digest: string; pins: string[] }[];
    const pinned = (set: string) => pins.filter((p) => p.pins.includes(set)).map((p) => p.digest).sort();
    expect(pinned("last-known-good")).toEqual([images["1"]!, images["2"]!].map((i) => i.slice(i.indexOf("@") + 1)).sort());
    expect(status()).toMatchObject({ version: "2", update: { version: "2", outcome: "committed" } });
  }, TEST_MS);

  test("refused before anything is downloaded: unsigned, unknown key, expired, tampered payload, replayed older version", () => {
    const before = blobs();
    const target = join(work, "unsigned.json");
    writeFileSync(target, JSON.stringify({ device: "host", version: "9", services: { web: counting("web", images["3"]!) } }));
    const cases: [string, string, RegExp][] = [
      ["unsigned", target, /^bunker: Invalid .*unsigned\.json: \/payloadType: /],
      ["unknown key", sign("9", { web: counting("web", images["3"]!) }, [], join(work, "stranger.key")), /^bunker: Refused .*: signed by sha256:[0-9a-f]{64}, no key of the trust directory$/],
      ["expired", sign("9", { web: counting("web", images["3"]!) }, ["--expires", "2020-01-01T00:00:00Z"]), /^bunker: Refused .*: version '9' expired at 2020-01-01T00:00:00.000Z$/],
      ["replayed", sign("2", { web: counting("web", images["3"]!) }), /^bunker: Refused .*: version '2' is not above the installed '2' \(a replayed or older update\)$/],
    ];
    const good = JSON.parse(readFileSync(sign("9", { web: counting("web", images["3"]!) }), "utf8"));
    const payload = JSON.parse(Buffer.from(good.payload, "base64").toString());
    payload.target.services.web.args = ["sh", "-c", "echo owned"];
    const tampered = join(work, "tampered.json");
    writeFileSync(tampered, JSON.stringify({ ...good, payload: Buffer.from(JSON.stringify(payload)).toString("base64") }));
    cases.push(["tampered", tampered, /^bunker: Refused .*: the signature by sha256:[0-9a-f]{64} does not match its payload$/]);
    for (const [what, file, message] of cases) {
      const r = apply(file);
      expect([what, r.code]).toEqual([what, 1]);
      expect([what, r.stderr.trim().split("\n")]).toEqual([what, [expect.stringMatching(message)]]);
    }
    expect(blobs()).toEqual(before);
    expect(JSON.parse(cli(["ota", "status", "--json"]).stdout)).toMatchObject({ inProgress: false, update: { version: "2", outcome: "committed" } });
    expect([starts("web"), starts("worker")]).toEqual([2, 1]);
  }, TEST_MS);

  test("a version that crash-loops is rolled back alone; the other service's change is kept", () => {
    const r = apply(
      sign("3", {
        web: counting("web", images["3"]!, { args: ["sh", "-c", "echo start >> /data/starts; exit 3"], restart: { policy: "on-failure", backoff: "100ms", limit: 1 } }),
        worker: counting("worker", images["1"]!, { env: { MODE: "new" } }),
      }),
    );
    expect(r.code).toBe(1);
    const s = result(r.stdout).state;
    expect(s).toMatchObject({ version: "3", outcome: "partial", installed: "3" });
    expect(s.services).toEqual([
      { name: "web", outcome: "rolled-back", reason: expect.stringMatching(/^(crash-loop|exited|timeout): /) },
      { name: "worker", outcome: "running" },
    ]);
    // web back on its last-known-good spec (image 2) and running; worker on its new spec.
    expect(instance("web")).toMatchObject({ actual: "running" });
    expect(instance("worker")).toMatchObject({ actual: "running" });
    expect(status().update).toMatchObject({ outcome: "partial", services: [{ name: "web", outcome: "rolled-back" }, { name: "worker", outcome: "running" }] });
    const env = cli(["exec", instance("worker")!.instance!, "sh", "-c", "echo $MODE; cat /version"]);
    expect(env.stdout).toBe("new\n1\n");
    expect(cli(["exec", instance("web")!.instance!, "cat", "/version"]).stdout).toBe("2\n");
  }, TEST_MS);

  test("a version that never becomes healthy is rolled back; start-then-stop keeps the old instance running throughout", () => {
    const workerBefore = instance("worker")!.instance;
    const startsBefore = starts("worker");
    const r = apply(
      sign("4", {
        web: counting("web", images["2"]!),
        worker: counting("worker", images["3"]!, {
          env: { MODE: "new" }, strategy: "start-then-stop",
          healthCheck: { exec: ["false"], interval: "200ms", startInterval: "200ms", timeout: "1s", retries: 2 },
          restart: { policy: "no" },
        }),
      }),
    );
    expect(r.code).toBe(1);
    const s = result(r.stdout).state;
    expect(s).toMatchObject({ version: "4", outcome: "rolled-back" });
    expect(s.services).toEqual([
      { name: "web", outcome: "unchanged" },
      { name: "worker", outcome: "rolled-back", reason: expect.stringMatching(/^unhealthy: /) },
    ]);
    expect(instance("worker")!.instance).toBe(workerBefore);
    // The new instance started once (its own start line) and was stopped; the old one was never stopped.
    expect(starts("worker")).toBe(startsBefore + 1);
    expect(instance("worker")).toMatchObject({ actual: "running" });
  }, TEST_MS);

  test("rollback: all takes every switched service back when one fails", () => {
    const webStarts = starts("web");
    const r = apply(
      sign("5", { web: counting("web", images["3"]!), worker: counting("worker", images["2"]!, { args: ["sh", "-c", "exit 1"], restart: { policy: "no" } }) }, ["--rollback", "all"]),
    );
    expect(r.code).toBe(1);
    const s = result(r.stdout).state;
    expect(s).toMatchObject({ version: "5", outcome: "rolled-back", rollback: "all" });
    expect(s.services.map((x) => x.outcome)).toEqual(["rolled-back", "rolled-back"]);
    expect(cli(["exec", instance("web")!.instance!, "cat", "/version"]).stdout).toBe("2\n");
    // web was switched (one start) and switched back (one more).
    expect(starts("web")).toBe(webStarts + 2);
    expect(status()).toMatchObject({ version: "3" });
  }, TEST_MS);

  test("through the daemon: a daemon killed -9 during the gate rolls the switched service back when it starts again", async () => {
    const spawnDaemon = () => Bun.spawn([BIN, "--root", root, "--journal", journal(), "--images", store(), "daemon", "--trust", trust(), "--keep-services"], { stdout: "ignore", stderr: "ignore", stdin: "ignore" });
    let daemon = spawnDaemon();
    try {
      await until(() => cli(["status", "--json"]).stdout.includes('"running":true'), "the daemon's socket", 40_000);
      const worker = instance("worker")!.instance;
      const web = instance("web")!.instance;
      const version = status().version;
      // web's new version passes its health check only after a while: the daemon is killed while the gate waits.
      const file = sign("7", {
        web: counting("web", images["3"]!, { healthCheck: { exec: ["cat", "/never"], interval: "500ms", startInterval: "500ms", timeout: "2s", retries: 20 } }),
        worker: counting("worker", images["1"]!, { env: { MODE: "new" } }),
      });
      const applying = Bun.spawn([BIN, "--root", root, "--journal", journal(), "--images", store(), "ota", "apply", "--insecure", "--trust", trust(), file], { stdout: "ignore", stderr: "pipe", stdin: "ignore" });
      await until(() => JSON.parse(cli(["ota", "status", "--json"]).stdout).update?.phase === "gate", "the gate", 40_000).catch(async (err) => {
        applying.kill();
        throw new Error(`${err.message}: ${cli(["ota", "status", "--json"]).stdout} ${await new Response(applying.stderr).text()}`);
      });
      daemon.kill("SIGKILL");
      await daemon.exited;
      expect(await applying.exited).toBe(1);
      expect(await new Response(applying.stderr).text()).toContain("closed the connection without a reply");
      expect(JSON.parse(cli(["ota", "status", "--json"]).stdout)).toMatchObject({ inProgress: true, update: { phase: "gate" } });
      daemon = spawnDaemon();
      await until(() => JSON.parse(cli(["ota", "status", "--json"]).stdout).update?.phase === "done", "the rollback", 60_000);
      const s = JSON.parse(cli(["ota", "status", "--json"]).stdout) as OtaStatus;
      expect(s.update).toMatchObject({ version: "7", outcome: "rolled-back", services: [{ name: "web", outcome: "rolled-back", reason: expect.stringContaining("power cut or a restart") }, { name: "worker", outcome: "unchanged" }] });
      await until(() => status().converged && instance("web")?.instance === web && instance("worker")?.instance === worker, "the old web again", 40_000);
      expect(status().version).toBe(version);
    } finally {
      daemon.kill("SIGTERM");
      await daemon.exited;
    }
  }, TEST_MS);

  test("an image blob the registry serves tampered is refused before the switch; the running set is untouched", async () => {
    const layout = versionedImage(work, "6");
    await toolAsync(["skopeo", "copy", "--dest-tls-verify=false", `oci:${layout}:6`, `docker://${reg.host}/app:6`]);
    const ref = `${reg.host}/app@${await digest("6")}`;
    const manifest = JSON.parse(await toolAsync(["skopeo", "inspect", "--tls-verify=false", "--raw", `docker://${ref}`]));
    const layer = manifest.layers[0].digest as string;
    const data = join(reg.data, "docker/registry/v2/blobs/sha256", layer.slice(7, 9), layer.slice(7), "data");
    const bytes = readFileSync(data);
    bytes[bytes.length >> 1]! ^= 0xff;
    writeFileSync(data, bytes);
    const web = instance("web")!.instance;
    const r = apply(sign("6", { web: counting("web", ref), worker: counting("worker", images["1"]!, { env: { MODE: "new" } }) }));
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n").pop()).toMatch(new RegExp(`^bunker: Update '6' refused in phase download, the running set untouched: .*digest mismatch: expected ${layer}`));
    expect(instance("web")!.instance).toBe(web);
    expect(blobs()).not.toContain(layer.slice(7));
    expect(readdirSync(join(store(), "ingest"))).toEqual([]);
    expect(JSON.parse(cli(["ota", "status", "--json"]).stdout)).toMatchObject({ inProgress: false, update: { version: "6", outcome: "refused" } });
  }, TEST_MS);

  test("a space budget that does not fit is refused with what is missing, before the first byte; nothing changes", async () => {
    // A device whose image store is a 16 MiB tmpfs, and an update bringing a 24 MiB layer.
    const small = join(work, "small");
    mkdirSync(small);
    tool(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", small]);
    const layout = versionedImage(work, "big", { file: "blob", bytes: 24 << 20 });
    await toolAsync(["skopeo", "copy", "--dest-tls-verify=false", `oci:${layout}:big`, `docker://${reg.host}/app:big`]);
    const big = `${reg.host}/app@${await digest("big")}`;
    const r2 = newRoot();
    const args = [r2, join(work, "journal-small"), join(small, "store")] as const;
    expect(apply(sign("1", { web: counting("web", images["1"]!) }), ...args).code).toBe(0);
    const before = blobs(args[2]);
    const r = apply(sign("2", { web: counting("web", big) }), ...args);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n").pop()).toMatch(/^bunker: Update '2' refused in phase budget, the running set untouched: update .2. needs [\d.]+ MiB more .* missing$/);
    expect(blobs(args[2])).toEqual(before);
    expect(readdirSync(join(args[2], "ingest"))).toEqual([]);
    expect(starts("web", r2)).toBe(1);
    for (const c of JSON.parse(bunker(r2, ["list", "--format", "json"]).stdout || "[]") as { id: string }[]) cli(["delete", "--force", c.id], ...args);
    rmSync(r2, { recursive: true, force: true });
    tool(["umount", small]);
  }, TEST_MS);
});
