import { afterEach, describe, expect, test } from "bun:test";
import { cgroupManager } from "../../../../../runtime/cgroups/host-manager.ts";
import { FakeCgroupFs } from "../../../fakes/cgroupfs.ts";

let fs: FakeCgroupFs;
afterEach(() => fs?.cleanup());

const v1 = (own: Record<string, string> = {}) => {
  fs = new FakeCgroupFs({ layout: "v1", own });
  return cgroupManager({ id: "ctr" }, fs);
};
const read = (path: string): string => fs.read(path).trim();

describe("the v1 driver", () => {
  test("is chosen when only v1 hierarchies are mounted, and places the container below the caller's cgroup in each", () => {
    const m = v1({ memory: "/session/abc" });
    expect(m.layout).toBe("v1");
    const dirs = Object.fromEntries(m.dirs().map((d) => [d.hierarchy, d.dir.slice(fs.root.length)]));
    expect(dirs.memory).toBe("/sys/fs/cgroup/memory/session/abc/ctr");
    expect(dirs.cpu).toBe("/sys/fs/cgroup/cpu/ctr");
    // The memory hierarchy resolves differently, so the relative path is what finds these cgroups again.
    expect(m.path).toBe("ctr");
  });

  test("reports an absolute cgroupsPath as its path", () => {
    fs = new FakeCgroupFs({ layout: "v1" });
    expect(cgroupManager({ id: "x", cgroupsPath: "/bunker/x" }, fs).path).toBe("/bunker/x");
  });

  test("create makes every level and gives new cpuset levels their parent's CPUs and memory nodes", () => {
    fs = new FakeCgroupFs({ layout: "v1" });
    const m = cgroupManager({ id: "x", cgroupsPath: "/a/b" }, fs);
    m.create();
    expect(read("/sys/fs/cgroup/cpuset/a/cpuset.cpus")).toBe("0-3");
    expect(read("/sys/fs/cgroup/cpuset/a/b/cpuset.mems")).toBe("0");
    expect(fs.exists("/sys/fs/cgroup/pids/a/b/cgroup.procs")).toBe(true);
  });

  test("apply writes memory, cpu, cpuset, pids and blkio values to their files", () => {
    const m = v1();
    m.create();
    m.apply({
      memory: { limit: 64 << 20, swap: 128 << 20, reservation: 32 << 20, swappiness: 10, disableOOMKiller: true, kernelTCP: 1 << 20 },
      cpu: { shares: 512, quota: 50_000, period: 100_000, burst: 1000, realtimePeriod: 1_000_000, realtimeRuntime: 0, idle: 1, cpus: "1", mems: "0" },
      pids: { limit: 42 },
      blockIO: { weight: 300, weightDevice: [{ major: 8, minor: 0, weight: 200 }], throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1000 }] },
    });
    const d = (c: string, f: string) => read(`/sys/fs/cgroup/${c}/ctr/${f}`);
    expect(d("memory", "memory.limit_in_bytes")).toBe(String(64 << 20));
    expect(d("memory", "memory.memsw.limit_in_bytes")).toBe(String(128 << 20));
    expect(d("memory", "memory.soft_limit_in_bytes")).toBe(String(32 << 20));
    expect(d("memory", "memory.swappiness")).toBe("10");
    expect(d("memory", "memory.kmem.tcp.limit_in_bytes")).toBe(String(1 << 20));
    expect(fs.writesTo("memory.oom_control")).toEqual([["/sys/fs/cgroup/memory/ctr/memory.oom_control", "1"]]);
    expect(d("cpu", "cpu.shares")).toBe("512");
    expect(d("cpu", "cpu.cfs_quota_us")).toBe("50000");
    expect(d("cpu", "cpu.cfs_period_us")).toBe("100000");
    expect(d("cpu", "cpu.cfs_burst_us")).toBe("1000");
    expect(d("cpu", "cpu.rt_period_us")).toBe("1000000");
    expect(d("cpu", "cpu.idle")).toBe("1");
    expect(d("cpuset", "cpuset.cpus")).toBe("1");
    expect(d("pids", "pids.max")).toBe("42");
    expect(d("blkio", "blkio.bfq.weight")).toBe("300");
    expect(d("blkio", "blkio.bfq.weight_device")).toBe("8:0 200");
    expect(d("blkio", "blkio.throttle.read_bps_device")).toBe("8:0 1000");
  });

  test("raises memory+swap before the memory limit when it grows, and lowers the limit first otherwise", () => {
    const m = v1();
    m.create();
    const order = () => fs.writes.filter((w) => w.path.includes("limit_in_bytes")).map((w) => w.path.split("/").pop());
    m.apply({ memory: { limit: 100, swap: 200 } }); // from unlimited: the limit comes down first
    expect(order()).toEqual(["memory.limit_in_bytes", "memory.memsw.limit_in_bytes"]);
    fs.writes.length = 0;
    m.apply({ memory: { limit: 300, swap: 600 } }); // up from 100/200: memory+swap must rise first
    expect(order()).toEqual(["memory.memsw.limit_in_bytes", "memory.limit_in_bytes"]);
  });

  test("says plainly when the memory limit is below what the cgroup uses", () => {
    const m = v1();
    m.create();
    fs.set("/sys/fs/cgroup/memory/ctr/memory.usage_in_bytes", "5000000");
    fs.failNext.set("memory.limit_in_bytes", "EBUSY");
    expect(() => m.apply({ memory: { limit: 1 << 20 } })).toThrow(
      "Setting memory.limit_in_bytes to '1048576' in '/sys/fs/cgroup/memory/ctr': the memory limit is too low: usage is 5000000 bytes",
    );
  });

  test("checkBeforeUpdate refuses a limit below the current usage without writing it", () => {
    const m = v1();
    m.create();
    fs.set("/sys/fs/cgroup/memory/ctr/memory.usage_in_bytes", "5000000");
    expect(() => m.apply({ memory: { limit: 1 << 20, checkBeforeUpdate: true } })).toThrow("the memory limit is too low");
    expect(fs.writesTo("memory.limit_in_bytes")).toEqual([]);
  });

  test("retries the period after the quota when the kernel refuses the period first", () => {
    const m = v1();
    m.create();
    fs.failNext.set("cpu.cfs_period_us", "EINVAL");
    m.apply({ cpu: { quota: 20_000, period: 50_000 } });
    expect(fs.writes.filter((w) => w.path.includes("cfs_")).map((w) => `${w.path.split("/").pop()}=${w.data}`)).toEqual([
      "cpu.cfs_quota_us=20000",
      "cpu.cfs_period_us=50000",
    ]);
  });

  test("writes deny-all and then the allowed devices to a new cgroup, whose devices.list allows all", () => {
    const m = v1();
    m.create();
    m.apply({ devices: [{ allow: true, type: "c", major: 10, minor: 200, access: "rwm" }] });
    expect(fs.writesTo("devices.deny")).toEqual([["/sys/fs/cgroup/devices/ctr/devices.deny", "a"]]);
    const allowed = fs.writesTo("devices.allow").map(([, line]) => line);
    expect(allowed).toContain("c 10:200 rwm");
    expect(allowed).toContain("c 1:3 rwm");
    expect(allowed).toContain("b *:* m");
    expect(allowed.some((l) => l.startsWith("b ") && l !== "b *:* m")).toBe(false);
  });

  test("names the missing controller when a resource needs one that is not mounted", () => {
    const m = v1();
    m.create();
    expect(() => m.apply({ unified: { "memory.high": "1M" } })).toThrow("Applying linux.resources.unified: this host offers no 'unified' cgroup controller");
    expect(() => m.apply({ network: { classID: 0x100001 } })).toThrow("Applying linux.resources.network.classID: this host offers no 'net_cls' cgroup controller");
  });

  test("applies network class and priorities and hugepage limits where net_cls, net_prio and hugetlb are mounted", () => {
    fs = new FakeCgroupFs({ layout: "v1", extraV1: ["net_cls", "net_prio", "hugetlb"] });
    const m = cgroupManager({ id: "ctr" }, fs);
    m.create();
    m.apply({
      network: { classID: 0x100001, priorities: [{ name: "eth0", priority: 5 }, { name: "lo", priority: 1 }] },
      hugepageLimits: [{ pageSize: "2MB", limit: 8 << 20 }],
    });
    expect(read("/sys/fs/cgroup/net_cls/ctr/net_cls.classid")).toBe(String(0x100001));
    expect(fs.writesTo("net_prio.ifpriomap").map(([, d]) => d)).toEqual(["eth0 5", "lo 1"]);
    expect(read("/sys/fs/cgroup/hugetlb/ctr/hugetlb.2MB.limit_in_bytes")).toBe(String(8 << 20));
    expect(m.stats().hugetlb["2MB"]).toEqual({ usage: 4194304, max: 6291456, failcnt: 2 });
  });

  test("procsFiles and addProcess cover every hierarchy, name=systemd's too (as runc joins it)", () => {
    const m = v1();
    m.create();
    expect(m.procsFiles()).toHaveLength(9);
    expect(m.procsFiles()).toContain(`${fs.root}/sys/fs/cgroup/systemd/ctr/cgroup.procs`);
    m.addProcess(4242);
    expect(fs.writesTo("cgroup.procs")).toHaveLength(9);
    expect(m.pids()).toEqual([4242]);
  });

  test("freeze and thaw go through freezer.state", async () => {
    const m = v1();
    m.create();
    await m.freeze();
    expect(m.frozen()).toBe(true);
    await m.thaw();
    expect(m.frozen()).toBe(false);
  });

  test("stats reads memory, cpu, cpuacct, pids and blkio", () => {
    const m = v1();
    m.create();
    m.apply({ pids: { limit: 7 } });
    const s = m.stats();
    expect(s.memory.cache).toBe(4096);
    expect(s.memory.raw.active_anon).toBe(8192);
    expect(s.cpu.usage).toEqual({ total: 3000, percpu: [1000, 2000], user: 10_000_000, kernel: 20_000_000 });
    expect(s.cpu.throttling).toEqual({ periods: 10, throttled_periods: 2, throttled_time: 5000 });
    expect(s.pids.limit).toBe(7);
    expect(s.blkio.ioServiceBytesRecursive).toEqual([
      { major: 8, minor: 0, op: "Read", value: 4096 },
      { major: 8, minor: 0, op: "Write", value: 512 },
    ]);
  });

  test("counts OOM kills from memory.oom_control", () => {
    const m = v1();
    m.create();
    fs.set("/sys/fs/cgroup/memory/ctr/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n");
    expect(m.oomKills()).toBe(3);
  });

  test("destroy freezes, kills every process, thaws and removes every directory; a second destroy is a no-op", async () => {
    const m = v1();
    m.create();
    m.addProcess(4242);
    await m.destroy();
    expect(fs.killed).toEqual([4242]);
    expect(fs.writesTo("freezer.state").map(([, s]) => s)).toEqual(["FROZEN", "THAWED"]);
    for (const d of m.dirs()) expect(fs.exists(d.dir.slice(fs.root.length))).toBe(false);
    await m.destroy();
  });

  test("destroy kills unfrozen when the freeze fails, and says so instead of dropping the error", async () => {
    const m = v1();
    m.create();
    m.addProcess(4242);
    fs.failNext.set("freezer.state", "EBUSY");
    const warnings: string[] = [];
    await m.destroy((w) => warnings.push(w));
    expect(fs.killed).toEqual([4242]);
    expect(warnings).toEqual([
      "Freezing the cgroup before killing its processes failed, so they were killed unfrozen: Setting freezer.state to 'FROZEN' in '/sys/fs/cgroup/freezer/ctr': EBUSY",
    ]);
    for (const d of m.dirs()) expect(fs.exists(d.dir.slice(fs.root.length))).toBe(false);
  });
});
