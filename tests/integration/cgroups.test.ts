// The cgroup drivers against this machine's real cgroupfs, as root: every resource applied is read back, OOM ends a
// process with SIGKILL and an event, pause stops a busy loop, an update changes a live limit, destroy leaves nothing.
// On the hybrid build host this exercises the v1 driver, the hybrid routing (hugetlb in the unified hierarchy) and the
// v2 eBPF device filter (loaded on /sys/fs/cgroup/unified, which has no other controller to test here).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { join } from "node:path";
import { hostCgroupFs } from "../../runtime/cgroups/fs.ts";
import { cgroupManager } from "../../runtime/cgroups/host-manager.ts";
import type { CgroupManager } from "../../runtime/cgroups/manager.ts";
import { parseMountinfo } from "../../runtime/cgroups/mounts.ts";
import { V2Manager } from "../../runtime/cgroups/v2/manager.ts";
import { makeBundle, type TestConfig } from "../support/bundle.ts";
import { bunker, bunkerAsync, newRoot, skipReason } from "../support/cli.ts";
import { tempDirs } from "../support/temp.ts";
import { until } from "../support/until.ts";

/** Where a link points, "" once it is gone. */
const linkTarget = (link: string): string => {
  try {
    return readlinkSync(link);
  } catch {
    return "";
  }
};

/** A process's command line, "" once it is gone. */
const cmdline = (pid: number): string => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8");
  } catch {
    return "";
  }
};

/** Lines a running command prints, up to the first that passes `done` (bounded by `ms`); the command keeps running. */
const linesUntil = async (out: ReadableStream<Uint8Array>, done: (line: string) => boolean, ms: number): Promise<string[]> => {
  const reader = out.getReader();
  const deadline = performance.now() + ms;
  const lines: string[] = [];
  let rest = "";
  while (!lines.some(done) && performance.now() < deadline) {
    const r = await Promise.race([reader.read(), Bun.sleep(deadline - performance.now()).then(() => undefined)]);
    if (!r || r.done) break;
    const parts = (rest + new TextDecoder().decode(r.value)).split("\n");
    rest = parts.pop() ?? "";
    lines.push(...parts.filter(Boolean));
  }
  return lines;
};

// Bundles and state roots of this file go when it is done.
tempDirs();

const why = (): string | null => {
  if (process.getuid?.() !== 0) return "not root";
  try {
    return parseMountinfo(readFileSync("/proc/self/mountinfo", "utf8")).layout === "v2" ? "pure v2 host: these tests cover v1/hybrid" : null;
  } catch (err) {
    return (err as Error).message;
  }
};
const skip = why();
if (skip) console.log(`cgroups integration tests skipped: ${skip}`);
const hasPython = existsSync("/usr/bin/python3");
if (!skip && !hasPython) console.log("skip: the OOM test of the host driver needs python3 to allocate (apt-get install python3)");

const made: CgroupManager[] = [];
afterAll(async () => {
  for (const m of made) await m.destroy().catch(() => {});
});

const fresh = (name: string, cgroupsPath?: string): CgroupManager => {
  const m = cgroupManager({ id: `bunker-it-${name}-${process.pid}`, ...(cgroupsPath ? { cgroupsPath } : {}) });
  made.push(m);
  m.create();
  return m;
};
const dir = (m: CgroupManager, hierarchy: string): string => m.dirs().find((d) => d.hierarchy === hierarchy)!.dir;
const file = (m: CgroupManager, hierarchy: string, name: string): string => readFileSync(`${dir(m, hierarchy)}/${name}`, "utf8").trim();

/** A shell that first joins the container's cgroups (as the setup stage does), then runs `script`. */
const spawnIn = (m: CgroupManager, script: string, stdout: "pipe" | "ignore" = "ignore") =>
  Bun.spawn(["sh", "-c", `for f in ${m.procsFiles().join(" ")}; do echo $$ > $f; done; ${script}`], { stdout, stderr: "pipe" });

describe.skipIf(skip !== null)("cgroups on this host", () => {
  test("every resource applied is read back from the cgroup files", () => {
    const m = fresh("apply");
    m.apply({
      memory: { limit: 64 << 20, swap: 96 << 20, reservation: 32 << 20, swappiness: 7, disableOOMKiller: true, kernelTCP: 8 << 20 },
      cpu: { shares: 256, quota: 25_000, period: 50_000, burst: 1000, idle: 0, cpus: "0", mems: "0", realtimePeriod: 1_000_000, realtimeRuntime: 1000 },
      pids: { limit: 33 },
      blockIO: { weight: 500, throttleReadBpsDevice: [{ major: 7, minor: 0, rate: 1_048_576 }], throttleWriteIOPSDevice: [{ major: 7, minor: 0, rate: 50 }] },
      hugepageLimits: [{ pageSize: "2MB", limit: 4 << 20 }],
      devices: [{ allow: true, type: "c", major: 10, minor: 200, access: "rw" }],
    });
    expect(file(m, "memory", "memory.limit_in_bytes")).toBe(String(64 << 20));
    expect(file(m, "memory", "memory.memsw.limit_in_bytes")).toBe(String(96 << 20));
    expect(file(m, "memory", "memory.soft_limit_in_bytes")).toBe(String(32 << 20));
    expect(file(m, "memory", "memory.swappiness")).toBe("7");
    expect(file(m, "memory", "memory.kmem.tcp.limit_in_bytes")).toBe(String(8 << 20));
    expect(file(m, "memory", "memory.oom_control")).toContain("oom_kill_disable 1");
    expect(file(m, "cpu", "cpu.shares")).toBe("256");
    expect(file(m, "cpu", "cpu.cfs_quota_us")).toBe("25000");
    expect(file(m, "cpu", "cpu.cfs_period_us")).toBe("50000");
    expect(file(m, "cpu", "cpu.cfs_burst_us")).toBe("1000");
    expect(file(m, "cpu", "cpu.rt_runtime_us")).toBe("1000");
    expect(file(m, "cpuset", "cpuset.cpus")).toBe("0");
    expect(file(m, "cpuset", "cpuset.mems")).toBe("0");
    expect(file(m, "pids", "pids.max")).toBe("33");
    expect(file(m, "blkio", "blkio.bfq.weight")).toBe("500");
    expect(file(m, "blkio", "blkio.throttle.read_bps_device")).toBe("7:0 1048576");
    expect(file(m, "blkio", "blkio.throttle.write_iops_device")).toBe("7:0 50");
    expect(file(m, "", "hugetlb.2MB.max")).toBe(String(4 << 20));
    const devices = file(m, "devices", "devices.list").split("\n");
    expect(devices).toContain("c 10:200 rw");
    expect(devices).toContain("c 1:3 rwm");
    expect(devices).not.toContain("a *:* rwm");
  });

  test("a resource this host lacks is refused with the controller's name", () => {
    const m = fresh("lacks");
    expect(() => m.apply({ network: { classID: 1 } })).toThrow("Applying linux.resources.network.classID: this host offers no 'net_cls' cgroup controller");
  });

  test("the devices cgroup stops a block device and lets /dev/null through", async () => {
    const m = fresh("devices");
    m.apply({});
    const p = spawnIn(m, "head -c0 /dev/null && echo null-ok; head -c1 /dev/loop0 >/dev/null && echo loop-ok; true", "pipe");
    await p.exited;
    const out = await new Response(p.stdout).text();
    expect(out).toContain("null-ok");
    expect(out).not.toContain("loop-ok");
  });

  test.skipIf(!hasPython)("an OOM kill in a 16 MiB cgroup ends the process with SIGKILL and an oom event", async () => {
    const m = fresh("oom");
    m.apply({ memory: { limit: 16 << 20, swap: 16 << 20 } });
    let events = 0;
    const watch = m.watchOom(() => events++);
    const p = spawnIn(m, `exec python3 -c "b = bytearray(64 << 20)"`);
    await p.exited;
    expect(p.signalCode).toBe("SIGKILL");
    await until(() => events > 0, "the oom event");
    watch.close();
    expect(events).toBe(1);
    expect(m.oomKills()).toBe(1);
  });

  test("an OOM watch leaves no file descriptor open once closed", async () => {
    const m = fresh("oomfd");
    m.apply({});
    // What a watch opens: an eventfd and memory.oom_control (other fds of the test process come and go).
    const watchFds = (): number =>
      readdirSync("/proc/self/fd").filter((fd) => {
        const target = linkTarget(`/proc/self/fd/${fd}`);
        return target === "anon_inode:[eventfd]" || target.endsWith("/memory.oom_control");
      }).length;
    const before = watchFds();
    for (let i = 0; i < 10; i++) m.watchOom(() => {}).close();
    // A cancelled eventfd stream lets go of its fd on the next turn of the event loop.
    await until(() => watchFds() === before, "the watches' fds to close");
    expect(watchFds()).toBe(before);
  });

  test("pause stops a busy loop (CPU time frozen) and resume restarts it", async () => {
    const m = fresh("pause");
    const p = spawnIn(m, "while :; do :; done");
    await until(() => Number(m.stats().cpu.usage.total) > 10_000_000, "the loop to run");
    await m.freeze();
    expect(m.frozen()).toBe(true);
    const cpu = (): number => Number(m.stats().cpu.usage.total);
    const a = cpu();
    await Bun.sleep(200); // frozen, nothing may run meanwhile
    const b = cpu();
    expect(b).toBe(a);
    await m.thaw();
    expect(m.frozen()).toBe(false);
    // The host may be busy: wait (boundedly) for the loop to have run another 20 ms of CPU.
    await until(() => cpu() > b + 20_000_000, "the thawed loop to run", 10_000);
    expect(cpu()).toBeGreaterThan(b + 20_000_000);
    p.kill(9);
    await p.exited;
  });

  test("an update changes the limit of a live cgroup", async () => {
    const m = fresh("update");
    m.apply({ memory: { limit: 32 << 20 }, pids: { limit: 10 } });
    const p = spawnIn(m, "sleep 30");
    await until(() => m.pids().includes(p.pid), "the process to join the cgroup");
    m.apply({ memory: { limit: 48 << 20 }, pids: { limit: 20 } });
    expect(file(m, "memory", "memory.limit_in_bytes")).toBe(String(48 << 20));
    expect(file(m, "pids", "pids.max")).toBe("20");
    expect(m.pids()).toContain(p.pid);
    p.kill(9);
    await p.exited;
  });

  test("destroy kills what is left and leaves no cgroup directory behind", async () => {
    const m = fresh("destroy");
    const p = spawnIn(m, "sleep 30 & sleep 30");
    await until(() => m.pids().length >= 2, "both processes");
    expect(m.pids().length).toBeGreaterThanOrEqual(2);
    await m.destroy();
    expect(await p.exited).not.toBe(0);
    for (const d of m.dirs()) expect(existsSync(d.dir)).toBe(false);
    await m.destroy();
  });

  test("stats have memory, cpu, pids and blkio figures of the container", async () => {
    const m = fresh("stats");
    m.apply({ pids: { limit: 5 } });
    const p = spawnIn(m, "head -c 4000000 /dev/zero | tail -c 1 >/dev/null; sleep 30");
    // The pipeline done, the shell and its sleep are what is left.
    await until(() => m.pids().length === 2 && cmdline(m.pids().at(-1)!).startsWith("sleep"), "the pipeline to end");
    const s = m.stats();
    expect(s.pids).toEqual({ current: 2, limit: 5 });
    expect(s.memory.usage.usage).toBeGreaterThan(0);
    expect(s.cpu.usage.total).toBeGreaterThan(0);
    expect(s.cpu.usage.percpu.length).toBeGreaterThan(0);
    expect(Object.keys(s.memory.raw)).toContain("inactive_file");
    p.kill(9);
    await p.exited;
  });
});

const noUnified = !existsSync("/sys/fs/cgroup/unified/cgroup.procs");
if (!skip && noUnified) console.log("skip: the v2 device filter tests need the hybrid layout's /sys/fs/cgroup/unified (the board runs them on v2)");
describe.skipIf(skip !== null || noUnified)("the v2 eBPF device filter on /sys/fs/cgroup/unified", () => {
  const name = `bunker-it-bpf-${process.pid}`;
  const cg = `/sys/fs/cgroup/unified/${name}`;
  const m = new V2Manager(`/${name}`, "/sys/fs/cgroup/unified", cg, hostCgroupFs());
  const tryOpen = async (path: string, mode: "r" | "w"): Promise<string> => {
    const redirect = mode === "r" ? `head -c0 ${path}` : `head -c0 /dev/null > ${path}`;
    const p = Bun.spawn(["sh", "-c", `echo $$ > ${cg}/cgroup.procs; ${redirect} 2>/dev/null && echo ok || echo denied`], { stdout: "pipe" });
    await p.exited;
    return (await new Response(p.stdout).text()).trim();
  };

  test("denies a block device by default, also after mknod, and allows /dev/null", async () => {
    made.push(m);
    m.create();
    m.apply({});
    expect(await tryOpen("/dev/null", "w")).toBe("ok");
    expect(await tryOpen("/dev/loop0", "r")).toBe("denied");
    const node = `/tmp/${name}-loop0`;
    const mk = Bun.spawnSync(["sh", "-c", `echo $$ > ${cg}/cgroup.procs; rm -f ${node}; mknod ${node} b 7 0 && echo made`], { stdout: "pipe" });
    expect(mk.stdout.toString().trim()).toBe("made");
    expect(await tryOpen(node, "r")).toBe("denied");
    Bun.spawnSync(["rm", "-f", node]);
  });

  test("an update to allow reading the device replaces the program: reads pass, writes stay denied", async () => {
    m.apply({ devices: [{ allow: true, type: "b", major: 7, minor: 0, access: "r" }] });
    expect(await tryOpen("/dev/loop0", "r")).toBe("ok");
    expect(await tryOpen("/dev/loop0", "w")).toBe("denied");
    await m.destroy();
    expect(existsSync(cg)).toBe(false);
  });
});

// The same behaviours through the compiled executable, as a user drives them.
const cliSkip = skip ?? skipReason() ?? null;
if (cliSkip && !skip) console.log(`cgroups CLI tests skipped: ${cliSkip}`);

describe.skipIf(cliSkip !== null)("cgroups through the bunker CLI", () => {
  const root = newRoot();
  const withResources = (resources: object, caps: string[] = []) => (c: TestConfig) => {
    for (const set of ["bounding", "effective", "permitted"] as const) c.process.capabilities[set].push(...caps);
    return { ...c, linux: { ...c.linux, resources } };
  };
  const ok = (args: string[], cwd?: string): string => {
    const r = bunker(root, args, cwd ? { cwd } : {});
    if (r.code !== 0) throw new Error(`bunker ${args.join(" ")} exited ${r.code}: ${r.stderr.trim()}`);
    return r.stdout;
  };
  const cpuSeconds = (id: string): number => (JSON.parse(ok(["stats", "--json", id])) as { cpuSeconds: number }[])[0]!.cpuSeconds;
  const cgroupFile = (id: string, controller: string, name: string): string => {
    const state = JSON.parse(ok(["state", id])) as { pid: number };
    const line = readFileSync(`/proc/${state.pid}/cgroup`, "utf8").split("\n").find((l) => l.split(":")[1] === controller)!;
    return readFileSync(`/sys/fs/cgroup/${controller}${line.split(":")[2]}/${name}`, "utf8").trim();
  };

  test("after create returns, the process in --pid-file is in every cgroup of the container (containerd reads them then)", () => {
    const bundle = makeBundle(["/bin/true"]);
    const pidFile = join(bundle, "pid");
    ok(["create", "--pid-file", pidFile, "at-create"], bundle);
    const pid = readFileSync(pidFile, "utf8");
    // bunker runs in this test's cgroups, so the container's relative path resolves to the same directories here.
    const dirs = cgroupManager({ id: "at-create" }).dirs();
    const missing = dirs.filter((d) => !readFileSync(join(d.dir, "cgroup.procs"), "utf8").split("\n").includes(pid)).map((d) => d.hierarchy || "unified");
    ok(["delete", "-f", "at-create"]);
    expect(dirs.length).toBeGreaterThan(1);
    expect(missing).toEqual([]);
  });

  test("run /bin/true succeeds under a 1 MiB memory limit", () => {
    const bundle = makeBundle(["/bin/true"], withResources({ memory: { limit: 1 << 20, swap: 1 << 20 } }));
    expect(bunker(root, ["run", "floor"], { cwd: bundle }).code).toBe(0);
  });

  test("pause freezes a busy loop, resume restarts it, and the container shows as paused meanwhile", async () => {
    const bundle = makeBundle(["sh", "-c", "while :; do :; done"]);
    ok(["run", "-d", "busy"], bundle);
    await until(() => cpuSeconds("busy") > 0.01, "the loop to run");
    ok(["pause", "busy"]);
    expect(JSON.parse(ok(["state", "busy"])).status).toBe("paused");
    const a = cpuSeconds("busy");
    await Bun.sleep(300); // paused, nothing may run meanwhile
    expect(cpuSeconds("busy")).toBe(a);
    ok(["resume", "busy"]);
    await until(() => cpuSeconds("busy") > a + 0.02, "the resumed loop to run", 10_000);
    expect(cpuSeconds("busy")).toBeGreaterThan(a + 0.02);
    ok(["delete", "-f", "busy"]);
  });

  test("update changes the memory and pids limits of a running container", () => {
    const bundle = makeBundle(["sleep", "30"], withResources({ memory: { limit: 32 << 20 }, pids: { limit: 10 } }));
    ok(["run", "-d", "upd"], bundle);
    expect(cgroupFile("upd", "memory", "memory.limit_in_bytes")).toBe(String(32 << 20));
    ok(["update", "--memory", "48m", "--pids-limit", "20", "upd"]);
    expect(cgroupFile("upd", "memory", "memory.limit_in_bytes")).toBe(String(48 << 20));
    expect(cgroupFile("upd", "pids", "pids.max")).toBe("20");
    ok(["delete", "-f", "upd"]);
  });

  test("an OOM in a 16 MiB container ends with exit 137 and an oom event, and delete leaves no cgroup", async () => {
    const limit = withResources({ memory: { limit: 16 << 20, swap: 16 << 20 } });
    const hog = `awk 'BEGIN { s = "x"; while (1) s = s s }'`;
    expect(bunker(root, ["run", "oom-fg"], { cwd: makeBundle(["sh", "-c", hog], limit) }).code).toBe(137);
    // The shell survives each kill and starts another hog, so OOM kills keep coming while events watches.
    ok(["run", "-d", "oom-bg"], makeBundle(["sh", "-c", `while :; do ${hog}; sleep 0.2; done`], limit));
    const events = bunkerAsync(root, ["events", "--interval", "1s", "oom-bg"]);
    const seen = await linesUntil(events.stdout, (l) => l.includes('"type":"oom"'), 30_000);
    events.kill("SIGTERM");
    await events.exited;
    const lines = seen.map((l) => JSON.parse(l) as { type: string; id: string });
    expect(lines[0]?.type).toBe("stats");
    expect(lines).toContainEqual({ type: "oom", id: "oom-bg" });
    // bunker runs in this test's cgroups, so the container's relative path resolves to the same directories here.
    const dirs = cgroupManager({ id: "oom-bg" }).dirs().map((d) => d.dir);
    expect(dirs.filter((d) => existsSync(d)).length).toBeGreaterThan(0);
    ok(["delete", "-f", "oom-bg"]);
    expect(dirs.filter((d) => existsSync(d))).toEqual([]);
  });

  test("events --stats prints integers beyond 2^53 exactly, as runc does", () => {
    const bundle = makeBundle(["sleep", "30"]);
    ok(["run", "-d", "exact"], bundle);
    // No limit: v1 says "unlimited" with the largest page-aligned signed 64-bit value, which a double prints rounded.
    const unlimited = cgroupFile("exact", "memory", "memory.limit_in_bytes");
    expect(BigInt(unlimited)).toBeGreaterThan(2n ** 53n);
    const line = ok(["events", "--stats", "exact"]);
    expect(line).toContain(`"usage":{"limit":${unlimited},`);
    expect(line).not.toContain("e+");
    expect(JSON.parse(line).data.memory.usage.limit).toBe(Number(unlimited));
    ok(["delete", "-f", "exact"]);
  });

  test("devices.list is what runc writes for the same rules: the config's first, then the defaults, which a config deny cannot take away", () => {
    if (!Bun.which("runc")) throw new Error("runc is not installed (apt-get install runc): it is the reference here");
    // Docker's rules (a deny of /dev/fuse among them), a deny of /dev/null, a block device and /dev/net/tun, which
    // runc 1.1 allows by default and bunker (as crun and runc 1.2) only when the config says so.
    const docker = JSON.parse(readFileSync(join(import.meta.dir, "../fixtures/configs/docker.json"), "utf8")).linux.resources.devices;
    const devices = [...docker, { allow: false, type: "c", major: 1, minor: 3, access: "rwm" }, { allow: true, type: "b", major: 7, minor: 9, access: "r" }, { allow: true, type: "c", major: 10, minor: 200, access: "rwm" }];
    const bundle = makeBundle(["sleep", "30"], (c) => ({ ...withResources({ devices })(c), ociVersion: "1.0.2" }));
    const runcRoot = newRoot();
    const devicesList = (pid: number): string => {
      const line = readFileSync(`/proc/${pid}/cgroup`, "utf8").split("\n").find((l) => l.split(":")[1] === "devices")!;
      return readFileSync(`/sys/fs/cgroup/devices${line.split(":")[2]}/devices.list`, "utf8");
    };
    try {
      ok(["run", "-d", "--bundle", bundle, "devlist"]);
      const ours = devicesList(JSON.parse(ok(["state", "devlist"])).pid);
      // No pipes: the detached container would hold them open until it ends.
      const runc = Bun.spawnSync(["runc", "--root", runcRoot, "run", "-d", "--bundle", bundle, "devlist-runc"], { stdout: "ignore", stderr: "ignore" });
      expect(runc.exitCode).toBe(0);
      const state = Bun.spawnSync(["runc", "--root", runcRoot, "state", "devlist-runc"], { stdout: "pipe" });
      expect(ours).toBe(devicesList(JSON.parse(state.stdout.toString()).pid));
      expect(ours).toContain("c 1:3 rwm\n");
      expect(ours).not.toContain("10:229");
    } finally {
      bunker(root, ["delete", "--force", "devlist"]);
      Bun.spawnSync(["runc", "--root", runcRoot, "delete", "--force", "devlist-runc"]);
      rmSync(runcRoot, { recursive: true, force: true });
    }
  });

  test("the container joins the name=systemd hierarchy like runc, and delete removes that cgroup", () => {
    if (!existsSync("/sys/fs/cgroup/systemd/cgroup.procs")) throw new Error("this host has no name=systemd hierarchy at /sys/fs/cgroup/systemd");
    const line = (pid: number | "self", hierarchy: string): string =>
      readFileSync(`/proc/${pid}/cgroup`, "utf8").split("\n").find((l) => l.split(":")[1] === hierarchy)!.split(":")[2]!;
    const bundle = makeBundle(["sleep", "30"]);
    ok(["run", "-d", "--bundle", bundle, "sd-join"]);
    const pid = JSON.parse(ok(["state", "sd-join"])).pid as number;
    // Placed as in the controller hierarchies: the container's path below the caller's own.
    const path = line(pid, "name=systemd");
    expect(path).toBe(`${line("self", "name=systemd").replace(/\/$/, "")}/sd-join`);
    expect(readFileSync(`/sys/fs/cgroup/systemd${path}/cgroup.procs`, "utf8").trim()).toBe(String(pid));
    ok(["delete", "-f", "sd-join"]);
    expect(existsSync(`/sys/fs/cgroup/systemd${path}`)).toBe(false);
  });

  test("inside the container, mknod and open of a block device fails; with an allow rule it opens", () => {
    // /dev, not /tmp: the /tmp mount is nodev, which would refuse the open before the device cgroup is asked.
    const script = "mknod /dev/blk b 7 0 && head -c0 /dev/blk && echo opened";
    const denied = makeBundle(["sh", "-c", script], withResources({}, ["CAP_MKNOD"]));
    const d = bunker(root, ["run", "blk-denied"], { cwd: denied });
    expect(d.stdout).not.toContain("opened");
    expect(d.stderr).toContain("Operation not permitted");
    const allowed = makeBundle(["sh", "-c", script], withResources({ devices: [{ allow: true, type: "b", major: 7, minor: 0, access: "r" }] }, ["CAP_MKNOD"]));
    expect(bunker(root, ["run", "blk-allowed"], { cwd: allowed }).stdout).toContain("opened");
  });
});

// cgroup v2 for real: the emulated arm64 board (cgroup2 with every controller, PSI, cgroup.kill). It boots QEMU for
// about four minutes, so it runs only when asked: BUNKER_BOARD_TESTS=1, after `npm run test:board` (or `bun build.ts
// bunker-linux-arm64`) has built the arm64 executable and fetched the board's packages. BUNKER_ARM64 names another
// arm64 executable to test.
const ARM64 = process.env.BUNKER_ARM64 ?? join(import.meta.dir, "../../dist/bunker-linux-arm64");
const boardSkip =
  skip ?? (process.env.BUNKER_BOARD_TESTS !== "1" ? "set BUNKER_BOARD_TESTS=1 to boot the emulated board" : !existsSync(ARM64) ? `${ARM64} is missing` : null);
if (boardSkip && !skip) console.log(`cgroup v2 board tests skipped: ${boardSkip}`);

describe.skipIf(boardSkip !== null)("cgroup v2 on the emulated arm64 board", () => {
  const FLOORS = [131072, 262144, 524288, 1048576, 2097152];
  const said = new Map<string, string>();

  beforeAll(async () => {
    const { prepareBase } = await import("../../board/assemble.ts");
    const { buildDiskTree } = await import("../../board/disk-tree.ts");
    const { makeExt4Image } = await import("../../board/disk-image.ts");
    const { runJob } = await import("../../board/job.ts");
    const { loadProfile } = await import("../../board/profile.ts");
    const { bundleConfig } = await import("../../board/bundles.ts");
    const profile = loadProfile("qemu-virt-a53");
    const base = prepareBase(() => {});
    // A disk of its own, so that a lane running meanwhile keeps its files.
    const work = mkdtempSync("/tmp/bunker-cgv2-board-");
    const p = base.packages;
    buildDiskTree(join(work, "tree"), {
      busybox: p["busybox-static"], libc6: p.libc6, musl: p.musl, muslDev: p["musl-dev"], libstdcxx: p["libstdc++6"], libgcc: p["libgcc-s1"], criu: base.criuPackages,
      executables: { "bunker-linux-arm64": ARM64 },
      suiteDir: join(import.meta.dir, "../board"),
      compatSource: join(import.meta.dir, "../../board/musl/compat.c"),
      kernelConfig: { release: base.release, file: join(base.kernel, "..", `config-${base.release}`) },
    });
    makeExt4Image(join(work, "tree"), join(work, "disk.img"), profile.storage.sizeMiB);

    const cfg = (name: string, args: string[], resources: object, caps: string[] = []): string => {
      const c = bundleConfig(name, { args, namespaces: ["pid", "network", "ipc", "uts", "mount", "cgroup"], resources: resources as never });
      c.root = { path: "/opt/bunker/bundles/sleeper/rootfs", readonly: true };
      c.linux!.cgroupsPath = `/bunker-cgv2/${name}`;
      for (const set of ["bounding", "effective", "permitted"] as const) c.process!.capabilities![set]!.push(...caps);
      return JSON.stringify(c);
    };
    const bundles: Record<string, string> = {
      upd: cfg("upd", ["/bin/sleep", "600"], { memory: { limit: 48 << 20, reservation: 16 << 20, swap: 64 << 20 }, cpu: { quota: 50000, period: 100000, shares: 512 }, pids: { limit: 32 } }),
      pause: cfg("pause", ["/bin/sleep", "600"], {}),
      // dd is OOM-killed once a second, so OOM kills keep coming after `events` (slow to start when emulated) watches.
      oomev: cfg("oomev", ["/bin/sh", "-c", "while :; do dd if=/dev/zero of=/dev/null bs=64M count=1; sleep 1; done"], { memory: { limit: 16 << 20, swap: 16 << 20 } }),
      devdeny: cfg("devdeny", ["/bin/sh", "-c", "busybox mknod /dev/nul2 c 1 3 && head -c0 /dev/nul2 && echo null-ok; busybox mknod /dev/blk b 7 0 && head -c0 /dev/blk && echo blk-opened"], {}, ["CAP_MKNOD"]),
      devallow: cfg("devallow", ["/bin/sh", "-c", "busybox mknod /dev/blk b 7 0 && head -c0 /dev/blk && echo blk-opened; echo x > /dev/blk || echo blk-write-denied"], { devices: [{ allow: true, type: "b", major: 7, minor: 0, access: "r" }] }, ["CAP_MKNOD"]),
      ...Object.fromEntries(FLOORS.map((l) => [`floor${l}`, cfg(`floor${l}`, ["/bin/true"], { memory: { limit: l, swap: l } })])),
    };
    const script = `
set -u
BK=/opt/bunker/bin/bunker-linux-arm64; R=/run/cgv2; B=/tmp/cgv2; CG=/sys/fs/cgroup/bunker-cgv2
${Object.entries(bundles).map(([n, c]) => `mkdir -p $B/${n}; cat > $B/${n}/config.json <<'CFG'\n${c}\nCFG`).join("\n")}
b() { timeout 120 $BK --root $R "$@"; }
say() { echo "CGV2 $1 $2"; }
b run -d --bundle $B/upd upd > $B/o 2>&1 || say upd-run "$(cat $B/o)"
say upd-initial "max=$(cat $CG/upd/memory.max) low=$(cat $CG/upd/memory.low) swap=$(cat $CG/upd/memory.swap.max) weight=$(cat $CG/upd/cpu.weight) cpumax=$(cat $CG/upd/cpu.max) pids=$(cat $CG/upd/pids.max)"
b update --memory 40m --memory-swap 56m --pids-limit 16 --cpu-quota 25000 upd > $B/o 2>&1 || say update "$(cat $B/o)"
say upd-after "max=$(cat $CG/upd/memory.max) swap=$(cat $CG/upd/memory.swap.max) cpumax=$(cat $CG/upd/cpu.max) pids=$(cat $CG/upd/pids.max)"
say stats "$(b stats --json upd 2>&1)"
b events --stats upd > $B/ev 2>&1; say psi "$(grep -o '"psi":{"some":{[^}]*}' $B/ev | head -1)"
b run -d --bundle $B/pause pause > $B/o 2>&1 || say pause-run "$(cat $B/o)"
b pause pause > $B/o 2>&1 || say pause "$(cat $B/o)"
say paused "$(b state pause | grep -o '"status": *"[a-z]*"') $(grep frozen $CG/pause/cgroup.events)"
b resume pause > $B/o 2>&1 || say resume "$(cat $B/o)"
say resumed "$(b state pause | grep -o '"status": *"[a-z]*"') $(grep frozen $CG/pause/cgroup.events)"
b run -d --bundle $B/oomev oomev > $B/o 2>&1 || say oomev-run "$(cat $B/o)"
timeout 15 $BK --root $R events --interval 5s oomev > $B/ev 2>&1
say oom-events "oom=$(grep -c '"type":"oom"' $B/ev) stats=$(grep -c '"type":"stats"' $B/ev) $(tr '\\n' ' ' < $CG/oomev/memory.events)"
say devdeny "$(b run --bundle $B/devdeny devdeny 2>&1 | tr '\\n' ' ')"
say devallow "$(b run --bundle $B/devallow devallow 2>&1 | tr '\\n' ' ')"
for id in upd pause oomev; do b delete -f $id > /dev/null 2>&1; done
say left "[$(for d in $CG/*/; do [ -d "$d" ] && echo "$d"; done | tr '\\n' ' ')]"
for l in ${FLOORS.join(" ")}; do ok=0; for i in 1 2 3; do b run --bundle $B/floor$l fl$l-$i > /dev/null 2>&1 && ok=$((ok+1)); b delete -f fl$l-$i > /dev/null 2>&1; done; say floor$l "$ok/3"; done
`;
    try {
      const end = await runJob({ profile, base, disk: join(work, "disk.img"), script, name: "cgroups-v2", timeoutMs: 12 * 60_000 });
      for (const l of end.lines) {
        const m = /^CGV2 (\S+) (.*)$/.exec(l.text.trim());
        if (m) said.set(m[1]!, m[2]!);
      }
      console.log([...said].map(([k, v]) => `board cgroup v2: ${k}: ${v}`).join("\n"));
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 15 * 60_000);

  test("run applies memory, swap (converted), reservation, cpu weight (converted) and quota, pids", () => {
    expect(said.get("upd-run")).toBeUndefined();
    expect(said.get("upd-initial")).toBe(`max=${48 << 20} low=${16 << 20} swap=${16 << 20} weight=20 cpumax=50000 100000 pids=32`);
  });

  test("update changes live limits", () => {
    expect(said.get("update")).toBeUndefined();
    expect(said.get("upd-after")).toBe(`max=${40 << 20} swap=${16 << 20} cpumax=25000 100000 pids=16`);
  });

  test("stats and events --stats report the limit and PSI", () => {
    expect(said.get("stats")).toContain(`"memoryLimitBytes":${40 << 20}`);
    expect(said.get("psi")).toMatch(/"psi":\{"some":\{"avg10":[\d.]+/);
  });

  test("pause freezes through cgroup.freeze and resume thaws", () => {
    expect(said.get("paused")).toMatch(/"paused" frozen 1$/);
    expect(said.get("resumed")).toMatch(/"running" frozen 0$/);
  });

  test("events reports an OOM kill from memory.events", () => {
    const m = /^oom=(\d+) stats=(\d+) .*oom_kill (\d+)/.exec(said.get("oom-events") ?? "");
    expect(Number(m?.[1])).toBeGreaterThanOrEqual(1);
    expect(Number(m?.[2])).toBeGreaterThanOrEqual(1);
    // Every OOM event stands for a kill the kernel counted (some came before events started watching).
    expect(Number(m?.[1])).toBeLessThanOrEqual(Number(m?.[3]));
  });

  test("the eBPF device filter denies a block device, allows /dev/null, and an allow rule grants read only", () => {
    expect(said.get("devdeny")).toContain("null-ok");
    expect(said.get("devdeny")).not.toContain("blk-opened");
    expect(said.get("devallow")).toContain("blk-opened");
    expect(said.get("devallow")).toContain("blk-write-denied");
  });

  test("delete leaves no cgroup behind", () => {
    expect(said.get("left")).toBe("[]");
  });

  test("run /bin/true succeeds under a 1 MiB memory limit every time", () => {
    expect(said.get("floor1048576")).toBe("3/3");
  });
});
