// Health checks as the compiled daemon runs them: exec checks that pass, fail, and outlive their timeout (and are
// killed); TCP checks, connected from inside the service's own network namespace (where only the service listens); and what the daemon's becoming a subreaper for the checks' programs must not cost: the
// orphans of a service without a PID namespace of its own come to the daemon, and it must reap them (a zombie per
// orphan, for ever, would fill the PID table of a device that runs for months).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeBundle } from "../support/bundle.ts";
import { BIN, bunker, newRoot, skipReason } from "../support/cli.ts";
import type { DeviceStatus } from "../../runtime/supervisor/status.ts";
import { until } from "../support/until.ts";

const skip = skipReason();
if (skip) console.log(`SKIP service health: ${skip}`);

const TEST_MS = 60_000;
const ORPHANS = 20;
const MAPPED = 200_000;


const read = (path: string): string | undefined => {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
};

/** The zombies among `pid`'s children (what no one has waited for). */
const zombieChildren = (pid: number): number[] =>
  readdirSync(`/proc/${pid}/task`)
    .flatMap((t) => (read(`/proc/${pid}/task/${t}/children`) ?? "").trim().split(/\s+/).filter(Boolean).map(Number))
    .filter((c) => read(`/proc/${c}/stat`)?.replace(/^.*\) /s, "").startsWith("Z"));

/** Host processes whose command line is exactly `args`. */
const running = (args: string[]): number[] =>
  readdirSync("/proc").filter((p) => /^\d+$/.test(p) && read(`/proc/${p}/cmdline`) === `${args.join("\0")}\0`).map(Number);

describe.skipIf(!!skip)("health checks run by the daemon", () => {
  let root: string;
  let dir: string;
  let bundle: string;
  let hostPid: string;
  let listener: string;
  let userns: string;
  let daemon: ReturnType<typeof Bun.spawn> | undefined;
  const cli = (args: string[]) => bunker(root, ["--journal", join(dir, "journal"), ...args]);
  const status = (): DeviceStatus => JSON.parse(cli(["status", "--json"]).stdout);
  const service = (name: string) => status().services.find((s) => s.name === name)!;
  const quiet = ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 0.2; done"];

  beforeAll(async () => {
    root = newRoot();
    dir = mkdtempSync(join(tmpdir(), "bunker-health-"));
    bundle = makeBundle(["sh"]);
    // No PID namespace: its orphans go up the host's process tree, to the nearest subreaper.
    hostPid = makeBundle(["sh"], (c) => ({ ...c, linux: { ...c.linux, namespaces: c.linux.namespaces.filter((n) => n.type !== "pid") } }));
    // Its own network namespace, whose loopback the service brings up itself (CAP_NET_ADMIN), with nc and ip.
    listener = makeBundle(["sh"], (c) => {
      const caps = [...c.process.capabilities.bounding, "CAP_NET_ADMIN"];
      return { ...c, process: { ...c.process, capabilities: { bounding: caps, effective: caps, permitted: caps } } };
    });
    for (const applet of ["nc", "ip"]) if (!existsSync(join(listener, "rootfs/bin", applet))) symlinkSync("busybox", join(listener, "rootfs/bin", applet));
    // Its own user and PID namespaces: the setup stage starts the init, which comes to the daemon to be waited for.
    userns = makeBundle(["sh"], (c) => ({
      ...c,
      linux: { ...c.linux, namespaces: [...c.linux.namespaces, { type: "user" }], uidMappings: [{ containerID: 0, hostID: MAPPED, size: 65536 }], gidMappings: [{ containerID: 0, hostID: MAPPED, size: 65536 }] },
    }));
    Bun.spawnSync(["chown", "-R", `${MAPPED}:${MAPPED}`, join(userns, "rootfs")]);
    const check = (exec: string[], extra: Record<string, unknown> = {}) => ({ exec, interval: "300ms", startInterval: "200ms", retries: 1, ...extra });
    const target = {
      device: "host",
      version: "1",
      services: {
        ok: { bundle, args: quiet, healthCheck: check(["true"]) },
        fails: { bundle, args: quiet, restart: { policy: "no" }, healthCheck: check(["sh", "-c", "exit 3"]) },
        hangs: { bundle, args: quiet, restart: { policy: "no" }, healthCheck: check(["sleep", "30"], { timeout: "500ms" }) },
        listens: { bundle: listener, args: ["sh", "-c", "ip link set lo up; nc -ll -p 8080 -e true"], healthCheck: { tcp: { port: 8080 }, interval: "300ms", startInterval: "200ms", retries: 1 } },
        // Loopback up, nothing listening: refused, whatever listens on the host's 8080.
        deaf: { bundle: listener, args: ["sh", "-c", "ip link set lo up; trap 'exit 0' TERM; while :; do sleep 0.2; done"], restart: { policy: "no" }, healthCheck: { tcp: { port: 8080 }, interval: "300ms", startInterval: "200ms", retries: 1 } },
        mapped: { bundle: userns, args: quiet, restart: { policy: "always", backoff: "200ms" } },
        // Waits for its first health check (the daemon is a subreaper from then on), then leaves orphans that end at once.
        orphans: {
          bundle: hostPid,
          args: ["sh", "-c", `until [ -e /tmp/checked ]; do sleep 0.1; done; i=0; while [ $i -lt ${ORPHANS} ]; do (sleep 0.01 &); i=$((i+1)); done; echo $i > /tmp/orphaned; trap 'exit 0' TERM; while :; do sleep 0.2; done`],
          healthCheck: check(["touch", "/tmp/checked"]),
        },
      },
    };
    writeFileSync(join(dir, "target.json"), JSON.stringify(target));
    daemon = Bun.spawn([BIN, "--root", root, "--journal", join(dir, "journal"), "daemon"], { stdout: "ignore", stderr: "inherit", stdin: "ignore" });
    await until(() => existsSync(join(root, ".daemon.sock")) && cli(["status", "--json"]).stdout.includes('"running":true'), "the daemon's socket", 30_000);
    const r = cli(["apply", join(dir, "target.json")]);
    expect([r.code, r.stderr]).toEqual([0, ""]);
  }, TEST_MS);

  afterAll(async () => {
    if (daemon) {
      daemon.kill("SIGTERM");
      await daemon.exited;
    }
    for (const c of JSON.parse(bunker(root, ["list", "--format", "json"]).stdout || "[]") as { id: string }[]) bunker(root, ["delete", "--force", c.id]);
    for (const d of [root, dir, bundle, hostPid, listener, userns].filter(Boolean)) rmSync(d, { recursive: true, force: true });
  }, TEST_MS);

  test("a check that exits 0 makes the service healthy", async () => {
    await until(() => service("ok").health === "healthy", "ok healthy", 30_000);
    expect(service("ok").healthDetail).toBe("'true' exited with status 0");
  }, TEST_MS);

  test("a check that exits non-zero makes it unhealthy, with the status it exited with", async () => {
    await until(() => service("fails").health === "unhealthy", "fails unhealthy", 30_000);
    expect(service("fails")).toMatchObject({ actual: "running", healthDetail: "'sh -c exit 3' exited with status 3" });
  }, TEST_MS);

  test("a check that outlives its timeout fails, and its program is killed", async () => {
    await until(() => service("hangs").health === "unhealthy", "hangs unhealthy", 30_000);
    expect(service("hangs")).toMatchObject({ actual: "running", healthDetail: "'sleep 30' timed out after 500 ms" });
    // Every timed-out check was killed: none of them is left (a check may be running right now: wait for a gap).
    await until(() => running(["sleep", "30"]).length === 0, "no 'sleep 30' left", 5000);
  }, TEST_MS);

  test("a TCP check connects inside the service's network namespace: healthy when it listens, unhealthy when not", async () => {
    await until(() => service("listens").health === "healthy", "listens healthy", 30_000);
    expect(service("listens").healthDetail).toBe("connected to 127.0.0.1:8080");
    await until(() => service("deaf").health === "unhealthy", "deaf unhealthy", 30_000);
    expect(service("deaf")).toMatchObject({ actual: "running", healthDetail: expect.stringContaining("connect to 127.0.0.1:8080: ") });
  }, TEST_MS);

  test("the init of a service with its own user and PID namespaces is the daemon's to wait for: its exit is seen", async () => {
    await until(() => service("mapped").actual === "running", "mapped running", 30_000);
    const pid = JSON.parse(bunker(root, ["state", service("mapped").instance!]).stdout).pid as number;
    expect(Number(read(`/proc/${pid}/stat`)!.replace(/^.*\) /s, "").split(" ")[1])).toBe(daemon!.pid);
    process.kill(pid, "SIGKILL");
    await until(() => service("mapped").restarts === 1 && service("mapped").actual === "running", "mapped restarted", 30_000);
    expect(service("mapped").lastExit?.status).toBe(137);
  }, TEST_MS);

  test("the orphans of a service without a PID namespace are reaped by the daemon", async () => {
    const instance = status().services.find((s) => s.name === "orphans")!.instance!;
    const pid = JSON.parse(bunker(root, ["state", instance]).stdout).pid as number;
    await until(() => read(`/proc/${pid}/root/tmp/orphaned`)?.trim() === String(ORPHANS), "the orphans made", 30_000);
    await until(() => zombieChildren(daemon!.pid).length === 0, "no zombie children of the daemon", 10_000);
  }, TEST_MS);
});
