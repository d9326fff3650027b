import { afterEach, describe, expect, test } from "bun:test";
import { encodeInsns } from "../../../../../runtime/bpf/asm.ts";
import { deviceFilterInsns } from "../../../../../runtime/cgroups/devices/program.ts";
import { containerDeviceRules } from "../../../../../runtime/cgroups/devices/rules.ts";
import { cgroupManager } from "../../../../../runtime/cgroups/host-manager.ts";
import { FakeCgroupFs } from "../../../fakes/cgroupfs.ts";

let fs: FakeCgroupFs;
afterEach(() => fs?.cleanup());

const v2 = (own = "/", cgroupsPath?: string) => {
  fs = new FakeCgroupFs({ layout: "v2", own: { "": own } });
  return cgroupManager({ id: "ctr", ...(cgroupsPath ? { cgroupsPath } : {}) }, fs);
};
const read = (path: string): string => fs.read(path).trim();
const D = "/sys/fs/cgroup/ctr";

describe("the v2 driver", () => {
  test("is chosen for a lone cgroup2 mount and places a relative path below the parent of the caller's cgroup", () => {
    const m = v2("/user.slice/session.scope");
    expect(m.layout).toBe("v2");
    expect(m.path).toBe("/user.slice/ctr");
    expect(m.dirs()).toEqual([{ hierarchy: "", dir: `${fs.root}/sys/fs/cgroup/user.slice/ctr` }]);
  });

  test("create enables bunker's controllers in every ancestor's subtree_control, writing only what is missing", () => {
    const m = v2("/", "/a/b");
    fs.set("/sys/fs/cgroup/cgroup.subtree_control", "memory");
    m.create();
    expect(fs.writesTo("cgroup.subtree_control")).toEqual([
      ["/sys/fs/cgroup/cgroup.subtree_control", "+cpuset +cpu +io +hugetlb +pids +rdma"],
      ["/sys/fs/cgroup/a/cgroup.subtree_control", "+memory +cpuset +cpu +io +hugetlb +pids +rdma"],
    ]);
    expect(read("/sys/fs/cgroup/a/b/cgroup.controllers").split(" ").sort()).toEqual(["cpu", "cpuset", "hugetlb", "io", "memory", "pids", "rdma"]);
  });

  test("create falls back to enabling controllers one by one when the kernel refuses the batch", () => {
    const m = v2();
    fs.failNext.set("cgroup.subtree_control", "EINVAL");
    m.create();
    expect(fs.writesTo("cgroup.subtree_control").map(([, d]) => d)).toEqual(["+cpuset", "+cpu", "+io", "+memory", "+hugetlb", "+pids", "+rdma"]);
  });

  test("apply converts v1-style values: shares to cpu.weight, memory+swap to swap alone, blkio weight to io.weight", () => {
    const m = v2();
    m.create();
    fs.set(`${D}/io.bfq.weight`, ""); // BFQ takes blkio's range as it is
    m.apply({
      memory: { limit: 64 << 20, swap: 96 << 20, reservation: 16 << 20 },
      cpu: { shares: 1024, quota: 50_000, period: 100_000, burst: 500, idle: 0, cpus: "0-1", mems: "0" },
      pids: { limit: -1 },
      blockIO: { weight: 500, throttleWriteIOPSDevice: [{ major: 8, minor: 0, rate: 100 }] },
      hugepageLimits: [{ pageSize: "2MB", limit: 4 << 20 }],
    });
    expect(read(`${D}/memory.max`)).toBe(String(64 << 20));
    expect(read(`${D}/memory.swap.max`)).toBe(String(32 << 20));
    expect(read(`${D}/memory.low`)).toBe(String(16 << 20));
    expect(read(`${D}/cpu.weight`)).toBe("39");
    expect(read(`${D}/cpu.max`)).toBe("50000 100000");
    expect(read(`${D}/cpu.max.burst`)).toBe("500");
    expect(read(`${D}/cpuset.cpus`)).toBe("0-1");
    expect(read(`${D}/pids.max`)).toBe("max");
    expect(read(`${D}/io.bfq.weight`)).toBe("500");
    expect(read(`${D}/io.max`)).toBe("8:0 wiops=100");
    expect(read(`${D}/hugetlb.2MB.max`)).toBe(String(4 << 20));
  });

  test("io.weight gets the converted weight when BFQ is absent", () => {
    const m = v2();
    m.create();
    m.apply({ blockIO: { weight: 1000 } });
    expect(read(`${D}/io.weight`)).toBe("default 10000");
  });

  test("an unlimited quota is written as max with the period", () => {
    const m = v2();
    m.create();
    m.apply({ cpu: { quota: -1, period: 20_000 } });
    expect(read(`${D}/cpu.max`)).toBe("max 20000");
  });

  test("refuses realtime budgets, which cgroup v2 cannot express", () => {
    const m = v2();
    m.create();
    expect(() => m.apply({ cpu: { realtimeRuntime: 1000 } })).toThrow("realtimePeriod and realtimeRuntime need cgroup v1");
  });

  test("refuses what only cgroup v1 can honour (swappiness, the OOM killer off, kernel memory, leaf weights, net_cls/net_prio); neutral values pass", () => {
    const m = v2();
    m.create();
    for (const [r, field] of [
      [{ memory: { swappiness: 10 } }, "memory.swappiness"],
      [{ memory: { disableOOMKiller: true } }, "memory.disableOOMKiller"],
      [{ memory: { kernel: 1 << 20 } }, "memory.kernel"],
      [{ blockIO: { weightDevice: [{ major: 8, minor: 0, weight: 10, leafWeight: 10 }] } }, "blockIO.weightDevice[0].leafWeight"],
      [{ network: { classID: 7 } }, "network.classID"],
    ] as const)
      expect(() => m.apply(structuredClone(r) as Parameters<typeof m.apply>[0])).toThrow(`Applying linux.resources.${field} to '${D}': it needs cgroup v1, and this host's cgroups are v2`);
    // What Docker sends without being asked.
    expect(() => m.apply({ memory: { disableOOMKiller: false }, blockIO: { weight: 0 }, cpu: { shares: 0 } })).not.toThrow();
  });

  test("loads the device filter assembled from the container's rules", () => {
    const m = v2();
    m.create();
    const devices = [{ allow: true, type: "b" as const, major: 7, minor: 0, access: "r" }];
    m.apply({ devices });
    expect(fs.filters).toEqual([{ dir: D, program: encodeInsns(deviceFilterInsns(containerDeviceRules(devices))) }]);
  });

  test("unified writes keys of enabled controllers and refuses unknown or disabled ones", () => {
    const m = v2();
    m.create();
    m.apply({ unified: { "memory.high": "50M", "cgroup.freeze": "0" } });
    expect(read(`${D}/memory.high`)).toBe("50M");
    expect(() => m.apply({ unified: { "../memory.max": "1" } })).toThrow("key '../memory.max': not a cgroup v2 file name");
    expect(() => m.apply({ unified: { "misc.max": "1" } })).toThrow("the 'misc' controller is not enabled");
    expect(() => m.apply({ unified: { "memory.nonsense": "1" } })).toThrow("key 'memory.nonsense': no such file");
  });

  test("a wanted controller that is not enabled is named in the error", () => {
    fs = new FakeCgroupFs({ layout: "v2", v2Controllers: ["cpu"] });
    const m = cgroupManager({ id: "ctr" }, fs);
    m.create();
    expect(() => m.apply({ pids: { limit: 5 } })).toThrow("Applying linux.resources.pids: this host offers no 'pids' cgroup controller");
  });

  test("freeze waits for cgroup.events to report frozen", async () => {
    const m = v2();
    m.create();
    await m.freeze();
    expect(m.frozen()).toBe(true);
    await m.thaw();
    expect(m.frozen()).toBe(false);
  });

  test("stats reads memory, cpu, io, pids, hugetlb and PSI", () => {
    const m = v2();
    m.create();
    const s = m.stats();
    // "max" is 2^64-1, exactly.
    expect(s.memory.usage).toEqual({ usage: 0, limit: 18446744073709551615n, max: 16384, failcnt: 3 });
    expect(s.memory.cache).toBe(4096);
    expect(s.cpu.usage.total).toBe(7000);
    expect(s.cpu.throttling).toEqual({ periods: 5, throttled_periods: 1, throttled_time: 2000 });
    expect(s.blkio.ioServicedRecursive).toEqual([
      { major: 8, minor: 0, op: "Read", value: 2 },
      { major: 8, minor: 0, op: "Write", value: 1 },
    ]);
    expect(s.pids.current).toBe(1);
    expect(s.hugetlb["2MB"]).toEqual({ usage: 0, max: 0, failcnt: 0 });
    expect(s.cpu.psi?.some).toEqual({ avg10: 1.5, avg60: 0, avg300: 0, total: 42 });
    expect(s.memory.psi?.full.total).toBe(3);
    expect(m.oomKills()).toBe(1);
  });

  test("destroy uses cgroup.kill, then removes the directory", async () => {
    const m = v2();
    m.create();
    m.addProcess(99);
    await m.destroy();
    expect(fs.killed).toEqual([99]);
    expect(fs.signalled).toEqual([]);
    expect(fs.exists(D)).toBe(false);
    await m.destroy();
  });
});
