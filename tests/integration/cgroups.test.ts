// The cgroup drivers against this machine's real cgroupfs, as root: every resource applied is read back, OOM ends a
// process with SIGKILL and an event, pause stops a busy loop, an update changes a live limit, destroy leaves nothing.
// On the hybrid build host this exercises the v1 driver, the hybrid routing (hugetlb in the unified hierarchy) and the
// v2 eBPF device filter (loaded on /sys/fs/cgroup/unified, which has no other controller to test here).
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { hostCgroupFs } from "../../runtime/cgroups/fs.ts";
import { cgroupManager, type CgroupManager } from "../../runtime/cgroups/manager.ts";
import { parseMountinfo } from "../../runtime/cgroups/mounts.ts";
import { V2Manager } from "../../runtime/cgroups/v2/manager.ts";
import { makeBundle, type TestConfig } from "../support/bundle.ts";
import { bunker, bunkerAsync, newRoot, skipReason } from "../support/cli.ts";

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
    expect(() => m.apply({ network: { classID: 1 } })).toThrow("the 'net_cls' cgroup controller is not available");
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

  test.skipIf(!hasPython)("an OOM kill in a 16 MiB cgroup ends the process with SIGKILL (exit 137) and an oom event", async () => {
    const m = fresh("oom");
    m.apply({ memory: { limit: 16 << 20, swap: 16 << 20 } });
    let events = 0;
    const watch = m.watchOom(() => events++);
    const p = spawnIn(m, `exec python3 -c "b = bytearray(64 << 20)"`);
    await p.exited;
    expect(p.signalCode).toBe("SIGKILL");
    expect(128 + 9).toBe(137);
    for (let i = 0; i < 100 && events === 0; i++) await Bun.sleep(10);
    watch.close();
    expect(events).toBe(1);
    expect(m.oomKills()).toBe(1);
  });

  test("pause stops a busy loop (CPU time frozen) and resume restarts it", async () => {
    const m = fresh("pause");
    const p = spawnIn(m, "while :; do :; done");
    await Bun.sleep(150);
    await m.freeze();
    expect(m.frozen()).toBe(true);
    const a = m.stats().cpu.usage.total;
    await Bun.sleep(200);
    const b = m.stats().cpu.usage.total;
    expect(b).toBe(a);
    await m.thaw();
    expect(m.frozen()).toBe(false);
    // The host may be busy: wait (boundedly) for the loop to have run another 20 ms of CPU.
    for (let i = 0; i < 300 && m.stats().cpu.usage.total < b + 20_000_000; i++) await Bun.sleep(10);
    expect(m.stats().cpu.usage.total).toBeGreaterThan(b + 20_000_000);
    p.kill(9);
    await p.exited;
  });

  test("an update changes the limit of a live cgroup", async () => {
    const m = fresh("update");
    m.apply({ memory: { limit: 32 << 20 }, pids: { limit: 10 } });
    const p = spawnIn(m, "sleep 30");
    for (let i = 0; i < 100 && !m.pids().includes(p.pid); i++) await Bun.sleep(10);
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
    for (let i = 0; i < 100 && m.pids().length < 2; i++) await Bun.sleep(10);
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
    await Bun.sleep(200);
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

describe.skipIf(skip !== null || !existsSync("/sys/fs/cgroup/unified/cgroup.procs"))("the v2 eBPF device filter on /sys/fs/cgroup/unified", () => {
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

  test("run /bin/true succeeds under a 1 MiB memory limit", () => {
    const bundle = makeBundle(["/bin/true"], withResources({ memory: { limit: 1 << 20, swap: 1 << 20 } }));
    expect(bunker(root, ["run", "floor"], { cwd: bundle }).code).toBe(0);
  });

  test("pause freezes a busy loop, resume restarts it, and the container shows as paused meanwhile", async () => {
    const bundle = makeBundle(["sh", "-c", "while :; do :; done"]);
    ok(["run", "-d", "busy"], bundle);
    await Bun.sleep(200);
    ok(["pause", "busy"]);
    expect(JSON.parse(ok(["state", "busy"])).status).toBe("paused");
    const a = cpuSeconds("busy");
    await Bun.sleep(300);
    expect(cpuSeconds("busy")).toBe(a);
    ok(["resume", "busy"]);
    for (let i = 0; i < 30 && cpuSeconds("busy") < a + 0.02; i++) await Bun.sleep(100);
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
    const hog = ["sh", "-c", `sleep 0.5; awk 'BEGIN { s = "x"; while (1) s = s s }'`];
    const bundle = makeBundle(hog, withResources({ memory: { limit: 16 << 20, swap: 16 << 20 } }));
    expect(bunker(root, ["run", "oom-fg"], { cwd: bundle }).code).toBe(137);
    ok(["run", "-d", "oom-bg"], bundle);
    const events = bunkerAsync(root, ["events", "--interval", "1s", "oom-bg"]);
    await events.exited;
    const lines = (await new Response(events.stdout).text()).trim().split("\n").map((l) => JSON.parse(l) as { type: string; id: string });
    expect(lines[0]?.type).toBe("stats");
    expect(lines).toContainEqual({ type: "oom", id: "oom-bg" });
    const dirs = readFileSync("/proc/self/mountinfo", "utf8").includes("/sys/fs/cgroup/pids") ? ["/sys/fs/cgroup/pids/oom-bg"] : [];
    ok(["delete", "-f", "oom-bg"]);
    for (const d of dirs) expect(existsSync(d)).toBe(false);
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
