// bunker as the device's service manager, with the compiled executable on this host: `apply` through the daemon and
// without one, dependency order, spec hashes (unchanged services never restarted, counted by the services themselves
// on their volumes), health checks and the restart policy, a daemon killed and restarted (nothing restarted), logs,
// status, a graceful stop in reverse dependency order, sd_notify, and hostile input that must leave no trace.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Value } from "@sinclair/typebox/value";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeBundle } from "../support/bundle.ts";
import { BIN, bunker, newRoot, skipReason } from "../support/cli.ts";
import { DeviceStatusSchema, type DeviceStatus } from "../../runtime/supervisor/status.ts";
import { serviceEventLogPath, type ServiceEvent } from "../../runtime/supervisor/service-events.ts";

const skip = skipReason();
if (skip) console.log(`SKIP services: ${skip}`);

const TEST_MS = 90_000;

const until = async (what: string, cond: () => boolean, ms = 40_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}`);
    await Bun.sleep(50);
  }
};

/** A service that counts its own starts on its volume and ends cleanly on SIGTERM. */
const counting = (name: string, extra: Record<string, unknown> = {}, bundle = ""): Record<string, unknown> => ({
  bundle,
  args: ["sh", "-c", `echo start >> /data/starts; echo "${name} says hello"; echo "${name} complains" >&2; trap 'exit 0' TERM; while :; do sleep 0.2; done`],
  volumes: [{ name: `${name}-data`, destination: "/data" }],
  stopGracePeriod: "3s",
  ...extra,
});

describe.skipIf(!!skip)("bunker as the service manager", () => {
  let root: string;
  let dir: string;
  let bundle: string;
  let daemon: ReturnType<typeof Bun.spawn> | undefined;
  /** bunker with this suite's journal: a root given with --root has none unless one is named. */
  const cli = (args: string[]) => bunker(root, ["--journal", join(dir, "journal"), ...args]);
  const starts = (name: string): number => {
    const f = join(root, ".volumes", `${name}-data`, "starts");
    return existsSync(f) ? readFileSync(f, "utf8").split("\n").filter(Boolean).length : 0;
  };
  const events = (): ServiceEvent[] =>
    existsSync(serviceEventLogPath(root)) ? readFileSync(serviceEventLogPath(root), "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l)) : [];
  const status = (): DeviceStatus => JSON.parse(cli(["status", "--json"]).stdout);
  const target = (version: string, services: Record<string, Record<string, unknown>>): string => {
    const file = join(dir, `target-${version}.json`);
    writeFileSync(file, JSON.stringify({ device: "host", version, services: Object.fromEntries(Object.entries(services).map(([n, s]) => [n, { ...s, bundle }])) }));
    return file;
  };
  const startDaemon = async (env: Record<string, string> = {}): Promise<void> => {
    daemon = Bun.spawn([BIN, "--root", root, "--journal", join(dir, "journal"), "daemon"], { stdout: "ignore", stderr: "inherit", stdin: "ignore", env: { ...process.env, ...env } });
    await until("the daemon's socket", () => existsSync(join(root, ".daemon.sock")) && cli(["status", "--json"]).stdout.includes('"running":true'));
  };
  const stack = (version: string, web: Record<string, unknown> = {}) =>
    target(version, {
      db: counting("db", { healthCheck: { exec: ["cat", "/data/starts"], interval: "1s", startInterval: "300ms", retries: 2 } }),
      api: counting("api", { dependsOn: { db: { condition: "healthy" } } }),
      web: counting("web", { dependsOn: { api: {} }, ...web }),
    });

  beforeAll(() => {
    root = newRoot();
    dir = mkdtempSync(join(tmpdir(), "bunker-targets-"));
    bundle = makeBundle(["sh"]);
  });
  afterAll(async () => {
    if (daemon) {
      daemon.kill("SIGKILL");
      await daemon.exited;
    }
    for (const c of JSON.parse(bunker(root, ["list", "--format", "json"]).stdout || "[]") as { id: string }[]) bunker(root, ["delete", "--force", c.id]);
    for (const d of [root, dir, bundle]) rmSync(d, { recursive: true, force: true });
  }, TEST_MS);

  test("refuses a bad target with its JSON pointer and leaves no trace", () => {
    const before = readdirSync(root).sort();
    const cases: [unknown, string][] = [
      [{ device: "host", version: "1", services: { "../etc": { bundle } } }, "/services/..~1etc: Not a service name"],
      [{ device: "host", version: "1", services: { web: { bundle: "relative/dir" } } }, "/services/web/bundle: Not an absolute path: 'relative/dir'"],
      [{ device: "host", version: "1", services: { a: { bundle, dependsOn: { b: {} } }, b: { bundle, dependsOn: { a: {} } } } }, "/services/a/dependsOn: Dependency cycle: a -> b -> a"],
      [{ device: "host", version: "1", services: { web: { bundle: join(dir, "missing") } } }, `/services/web/bundle: '${join(dir, "missing", "config.json")}'`],
      [{ device: "host", version: "1", services: { web: { bundle, env: { X: "y".repeat(40_000) } } } }, "Cannot read the target state '"],
    ];
    for (const [doc, message] of cases) {
      const file = join(dir, "bad.json");
      writeFileSync(file, JSON.stringify(doc));
      const r = cli(["apply", file]);
      expect([r.code, r.stdout]).toEqual([1, ""]);
      expect(r.stderr).toContain(message);
    }
    // Standard input is read with the same bound: an endless pipe is refused at 30 KiB, not read whole.
    const endless = Bun.spawnSync(["sh", "-c", `yes | "${BIN}" --root "${root}" --journal "${join(dir, "journal")}" apply -`], { stdout: "pipe", stderr: "pipe" });
    expect([endless.exitCode, endless.stderr.toString()]).toEqual([1, "bunker: Cannot read the target state '-': more than 30720 bytes, the most the target state can hold\n"]);
    expect(cli(["logs", "../../etc/passwd"]).code).toBe(2);
    // No container, no journal, no service directories: the root is as it was.
    expect(readdirSync(root).sort()).toEqual(before);
  });

  test("a dry run prints the plan and changes nothing", () => {
    const r = cli(["apply", "--dry-run", "--json", stack("1")]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.plan.services.map((s: { service: string; verdict: string }) => `${s.service} ${s.verdict}`)).toEqual(["db start", "api waiting", "web waiting"]);
    expect(report.result).toBeUndefined();
    expect(JSON.parse(bunker(root, ["list", "--format", "json"]).stdout)).toEqual([]);
  });

  test("the daemon starts services in dependency order, once each, and reports them", async () => {
    await startDaemon();
    const r = cli(["apply", stack("1")]);
    expect(r.code).toBe(0);
    await until("web running", () => status().services.find((s) => s.name === "web")?.actual === "running");
    const begun = events().filter((e) => e.event === "step" && e.outcome === "begun").map((e) => e.detail.split(" (")[0]);
    expect(begun).toEqual(["start db", "start api", "start web"]);
    const s = status();
    expect(Value.Check(DeviceStatusSchema, s)).toBe(true);
    expect(s.version).toBe("1");
    expect(s.services.map((x) => [x.name, x.actual, x.health])).toEqual([["api", "running", "none"], ["db", "running", "healthy"], ["web", "running", "none"]]);
    expect(s.services.every((x) => (x.memory.currentBytes ?? 0) > 0 && x.uptimeS !== undefined)).toBe(true);
    expect([starts("db"), starts("api"), starts("web")]).toEqual([1, 1, 1]);
  }, TEST_MS);

  test("logs keep each service's stdout and stderr; `logs` has the daemon write what it holds first", async () => {
    // The daemon holds output up to 30 s: without the flush that `logs` asks for, nothing would be there yet.
    await until("web's log", () => cli(["logs", "web"]).stdout.includes("web complains"), 5000);
    const lines = cli(["logs", "--tail", "2", "web"]).stdout.trim().split("\n");
    expect(lines.map((l) => l.slice(25)).sort()).toEqual(["err web complains", "out web says hello"]);
  }, TEST_MS);

  test("a changed target recreates only the changed service", async () => {
    const r = cli(["apply", "--json", stack("2", { env: { MODE: "two" } })]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).plan.services.map((s: { service: string; verdict: string }) => `${s.service} ${s.verdict}`)).toEqual(["db untouched", "api untouched", "web recreate"]);
    await until("web's second start", () => starts("web") === 2);
    await Bun.sleep(500);
    expect([starts("db"), starts("api"), starts("web")]).toEqual([1, 1, 2]);
  }, TEST_MS);

  test("a daemon killed and started again restarts nothing that runs", async () => {
    daemon!.kill("SIGKILL");
    await daemon!.exited;
    // Without a daemon, status reads the journal's target and the state root.
    expect(status()).toMatchObject({ daemon: { running: false }, version: "2" });
    await startDaemon();
    await Bun.sleep(1500);
    expect([starts("db"), starts("api"), starts("web")]).toEqual([1, 1, 2]);
    expect(status().services.every((s) => s.actual === "running")).toBe(true);
  }, TEST_MS);

  test("an unhealthy service is stopped for its restart policy, and counts as a restart", async () => {
    const file = stack("3", { env: { MODE: "two" } });
    const doc = JSON.parse(readFileSync(file, "utf8"));
    doc.services.db.healthCheck.exec = ["cat", "/data/not-there"];
    doc.services.db.restart = { policy: "on-failure", backoff: "200ms" };
    writeFileSync(file, JSON.stringify(doc));
    expect(cli(["apply", file]).code).toBe(0);
    await until("db unhealthy", () => events().some((e) => e.event === "health" && e.service === "db" && e.detail.includes("-> unhealthy")));
    await until("db restarted", () => status().services.find((s) => s.name === "db")!.restarts >= 1);
    expect(status().services.find((s) => s.name === "db")!.lastExit?.killedBy).toBe("health-check");
    // The other services were not touched by db's replacement and restart.
    expect([starts("api"), starts("web")]).toEqual([1, 2]);
  }, TEST_MS);

  test("SIGTERM stops the services in reverse dependency order, then the daemon", async () => {
    daemon!.kill("SIGTERM");
    expect(await daemon!.exited).toBe(0);
    daemon = undefined;
    const stops = events().filter((e) => e.event === "step" && e.outcome === "begun" && e.detail.endsWith("the daemon stops")).map((e) => e.service);
    expect(stops).toEqual(["web", "api", "db"]);
    expect(JSON.parse(bunker(root, ["list", "--format", "json"]).stdout)).toEqual([]);
  }, TEST_MS);

  test("without a daemon, apply starts the services itself and a later daemon adopts them", async () => {
    const before = starts("web");
    const file = target("4", { web: counting("web") });
    const r = cli(["apply", file]);
    expect([r.code, r.stderr]).toEqual([0, ""]);
    expect(r.stdout).toContain("applied here (no daemon runs)");
    expect(starts("web")).toBe(before + 1);
    await startDaemon();
    await Bun.sleep(1000);
    expect(starts("web")).toBe(before + 1);
    expect(status().services.map((s) => `${s.name} ${s.actual}`)).toEqual(["web running"]);
  }, TEST_MS);

  test("under systemd it says READY=1, WATCHDOG=1 and STOPPING=1 on NOTIFY_SOCKET", async () => {
    daemon!.kill("SIGKILL");
    await daemon!.exited;
    const sock = join(dir, "notify.sock");
    const received = join(dir, "notify.txt");
    const socat = Bun.spawn(["socat", "-u", `UNIX-RECVFROM:${sock},fork`, `OPEN:${received},creat,append`], { stdout: "ignore", stderr: "inherit" });
    try {
      await until("socat's socket", () => existsSync(sock), 5000);
      await startDaemon({ NOTIFY_SOCKET: sock, WATCHDOG_USEC: "400000" });
      await until("a WATCHDOG=1", () => existsSync(received) && readFileSync(received, "utf8").includes("WATCHDOG=1"), 5000);
      daemon!.kill("SIGTERM");
      expect(await daemon!.exited).toBe(0);
      daemon = undefined;
      await until("STOPPING=1", () => readFileSync(received, "utf8").includes("STOPPING=1"), 5000);
      const said = readFileSync(received, "utf8");
      expect(said).toContain("READY=1\nMAINPID=");
      expect(said.indexOf("READY=1")).toBeLessThan(said.indexOf("STOPPING=1"));
    } finally {
      socat.kill();
      await socat.exited;
    }
  }, TEST_MS);
});
