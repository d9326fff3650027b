import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig, parseConfig, parseProcess, processProblems } from "../../../../runtime/spec/config.ts";
import { exactInteger, parseJson } from "../../../../runtime/spec/json-text.ts";

// Plain JSON as a user would write it; each test changes one thing.
const minimal = (): any => ({
  ociVersion: "1.2.0",
  process: { user: { uid: 0, gid: 0 }, args: ["sh"] },
  linux: { namespaces: [{ type: "pid" }, { type: "mount" }, { type: "uts" }] },
});

const errorOf = (change: (c: any) => void): string => {
  const c = minimal();
  change(c);
  try {
    parseConfig(c, "/bundle");
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error("parseConfig accepted the config");
};

describe("parseConfig()", () => {
  test("accepts a minimal config and applies the spec's defaults", () => {
    const c = parseConfig(minimal(), "/bundle");
    expect(c.process.cwd).toBe("/");
    expect(c.root.path).toBe("/bundle/rootfs");
  });

  test("resolves a relative root.path against the bundle and keeps an absolute one", () => {
    expect(parseConfig({ ...minimal(), root: { path: "fs", readonly: true } }, "/b").root).toEqual({ path: "/b/fs", readonly: true });
    expect(parseConfig({ ...minimal(), root: { path: "/srv/fs" } }, "/b").root.path).toBe("/srv/fs");
  });

  test("ignores unknown properties, as the spec asks of runtimes", () => {
    expect(() => parseConfig({ ...minimal(), vm: { hypervisor: {} }, "org.example.x": 1 }, "/b")).not.toThrow();
  });

  test("accepts a config that uses every Linux section", () => {
    const c = minimal();
    c.hostname = "box";
    c.domainname = "example";
    c.mounts = [{ destination: "/proc", type: "proc", source: "proc", options: ["nosuid"] }];
    c.hooks = { prestart: [{ path: "/bin/true", args: ["true"], env: ["A=1"], timeout: 5 }], poststop: [] };
    c.annotations = { a: "b" };
    Object.assign(c.process, {
      terminal: true,
      consoleSize: { height: 24, width: 80 },
      env: ["PATH=/bin"],
      cwd: "/tmp",
      capabilities: { bounding: ["CAP_KILL"], effective: [], inheritable: [], permitted: ["CAP_KILL"], ambient: [] },
      rlimits: [{ type: "RLIMIT_NOFILE", soft: 1024, hard: 4096 }],
      noNewPrivileges: true,
      apparmorProfile: "p",
      oomScoreAdj: -500,
      ioPriority: { class: "IOPRIO_CLASS_BE", priority: 4 },
      scheduler: { policy: "SCHED_OTHER", nice: 5 },
      execCPUAffinity: { initial: "0", final: "1" },
      user: { uid: 1000, gid: 1000, umask: 0o22, additionalGids: [5] },
    });
    c.linux = {
      namespaces: [{ type: "pid" }, { type: "mount" }, { type: "uts" }, { type: "ipc" }, { type: "network" }, { type: "user" }, { type: "cgroup" }, { type: "time" }],
      uidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }],
      gidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }],
      timeOffsets: { monotonic: { secs: 10, nanosecs: 0 }, boottime: { secs: -5 } },
      devices: [{ type: "c", path: "/dev/fuse", major: 10, minor: 229, fileMode: 0o666, uid: 0, gid: 0 }],
      netDevices: { eth1: { name: "eth0" } },
      cgroupsPath: "/bunker/x",
      resources: {
        devices: [{ allow: false, access: "rwm" }, { allow: true, type: "c", major: 1, minor: 3, access: "rw" }],
        memory: { limit: 64 << 20, reservation: -1, swap: -1, swappiness: 0, disableOOMKiller: false },
        cpu: { shares: 512, quota: 50000, period: 100000, cpus: "0-1", mems: "0", idle: 0 },
        pids: { limit: 64 },
        blockIO: { weight: 500, weightDevice: [{ major: 8, minor: 0, weight: 100 }], throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1 << 20 }] },
        hugepageLimits: [{ pageSize: "2MB", limit: 0 }],
        network: { classID: 1, priorities: [{ name: "eth0", priority: 1 }] },
        rdma: { mlx5_0: { hcaHandles: 3 } },
        unified: { "memory.high": "50M" },
      },
      sysctl: { "net.ipv4.ip_forward": "1", "kernel.shmmax": "1", "fs.mqueue.msg_max": "10", "kernel.domainname": "d" },
      seccomp: {
        defaultAction: "SCMP_ACT_ERRNO",
        defaultErrnoRet: 1,
        architectures: ["SCMP_ARCH_AARCH64"],
        syscalls: [{ names: ["read"], action: "SCMP_ACT_ALLOW", args: [{ index: 0, value: 1, op: "SCMP_CMP_EQ" }] }],
      },
      rootfsPropagation: "rslave",
      maskedPaths: ["/proc/kcore"],
      readonlyPaths: ["/proc/sys"],
      personality: { domain: "LINUX", flags: ["ADDR_NO_RANDOMIZE"] },
    };
    expect(parseConfig(c, "/b").linux?.resources?.pids?.limit).toBe(64);
  });

  test("names the field of a wrong type", () => {
    expect(errorOf((c) => (c.process.args = "sh"))).toBe("Invalid config.json: /process/args: Expected array");
  });

  test("names a missing required field", () => {
    expect(errorOf((c) => delete c.process.user)).toBe("Invalid config.json: /process/user: Expected required property");
    expect(errorOf((c) => delete c.ociVersion)).toBe("Invalid config.json: /ociVersion: Expected required property");
  });

  test("lists the allowed values of an unknown namespace type", () => {
    expect(errorOf((c) => (c.linux.namespaces[1].type = "net"))).toBe(
      "Invalid config.json: /linux/namespaces/1/type: Expected one of 'pid', 'network', 'mount', 'ipc', 'uts', 'user', 'cgroup', 'time', not 'net'",
    );
  });

  test("rejects a duplicate namespace", () => {
    expect(errorOf((c) => c.linux.namespaces.push({ type: "pid", path: "/proc/1/ns/pid" }))).toBe(
      "Invalid config.json: /linux/namespaces/3/type: Duplicate namespace 'pid'",
    );
  });

  test("rejects a relative mount destination", () => {
    expect(errorOf((c) => (c.mounts = [{ destination: "/proc", type: "proc" }, { destination: "dev" }]))).toBe(
      "Invalid config.json: /mounts/1/destination: Not an absolute path: 'dev'",
    );
  });

  test("rejects uid mappings without a user namespace", () => {
    expect(errorOf((c) => (c.linux.uidMappings = [{ containerID: 0, hostID: 1000, size: 1 }]))).toBe(
      "Invalid config.json: /linux/uidMappings: Needs a 'user' namespace in /linux/namespaces",
    );
  });

  test("rejects a new user namespace without mappings", () => {
    expect(errorOf((c) => c.linux.namespaces.push({ type: "user" }))).toBe(
      "Invalid config.json: /linux/uidMappings: Required with a new user namespace",
    );
  });

  test("accepts joining a user namespace without mappings", () => {
    const c = minimal();
    c.linux.namespaces.push({ type: "user", path: "/proc/1/ns/user" });
    expect(() => parseConfig(c, "/b")).not.toThrow();
  });

  test("rejects timeOffsets without a time namespace", () => {
    expect(errorOf((c) => (c.linux.timeOffsets = { boottime: { secs: 1 } }))).toBe(
      "Invalid config.json: /linux/timeOffsets: Needs a 'time' namespace in /linux/namespaces",
    );
  });

  test("rejects a hostname or domainname without a uts namespace, as runc does", () => {
    const noUts = (c: any) => (c.linux.namespaces = [{ type: "mount" }]);
    expect(errorOf((c) => (noUts(c), (c.hostname = "box")))).toBe("Invalid config.json: /hostname: Needs a 'uts' namespace in /linux/namespaces");
    expect(errorOf((c) => (noUts(c), (c.domainname = "d")))).toBe("Invalid config.json: /domainname: Needs a 'uts' namespace in /linux/namespaces");
  });

  test("rejects empty args", () => {
    expect(errorOf((c) => (c.process.args = []))).toBe("Invalid config.json: /process/args: Empty: the first element names the program to run");
  });

  test("rejects a relative cwd", () => {
    expect(errorOf((c) => (c.process.cwd = "tmp"))).toBe("Invalid config.json: /process/cwd: Not an absolute path: 'tmp'");
  });

  test("rejects an unknown capability, naming the set and index", () => {
    expect(errorOf((c) => (c.process.capabilities = { permitted: ["CAP_KILL", "KILL"] }))).toBe(
      "Invalid config.json: /process/capabilities/permitted/1: Unknown capability 'KILL'",
    );
  });

  test("rejects unknown and duplicate rlimits and a soft limit above the hard one", () => {
    const rl = (type: string, soft = 1, hard = 1) => ({ type, soft, hard });
    expect(errorOf((c) => (c.process.rlimits = [rl("RLIMIT_FOO")]))).toBe("Invalid config.json: /process/rlimits/0/type: Unknown rlimit 'RLIMIT_FOO'");
    expect(errorOf((c) => (c.process.rlimits = [rl("RLIMIT_CORE"), rl("RLIMIT_CORE")]))).toBe(
      "Invalid config.json: /process/rlimits/1/type: Duplicate rlimit 'RLIMIT_CORE'",
    );
    expect(errorOf((c) => (c.process.rlimits = [rl("RLIMIT_NOFILE", 2048, 1024)]))).toBe(
      "Invalid config.json: /process/rlimits/0: Soft limit 2048 exceeds hard limit 1024",
    );
  });

  test("accepts 2^64-1 as an unlimited rlimit", () => {
    const c = minimal();
    c.process.rlimits = [{ type: "RLIMIT_CORE", soft: 18446744073709551615, hard: 18446744073709551615 }];
    expect(() => parseConfig(c, "/b")).not.toThrow();
  });

  test("rejects a sysctl whose namespace is not private, and one that no namespace isolates", () => {
    expect(errorOf((c) => (c.linux.sysctl = { "net.ipv4.ip_forward": "1" }))).toBe(
      "Invalid config.json: /linux/sysctl/net.ipv4.ip_forward: Needs a 'network' namespace in /linux/namespaces",
    );
    expect(errorOf((c) => (c.linux.sysctl = { "vm/swappiness": "1" }))).toBe(
      "Invalid config.json: /linux/sysctl/vm~1swappiness: Not namespaced: setting 'vm/swappiness' would change the host",
    );
  });

  test("rejects relative hook, masked, readonly, device and namespace paths", () => {
    expect(errorOf((c) => (c.hooks = { poststart: [{ path: "hook" }] }))).toBe("Invalid config.json: /hooks/poststart/0/path: Not an absolute path: 'hook'");
    expect(errorOf((c) => (c.linux.maskedPaths = ["proc/kcore"]))).toBe("Invalid config.json: /linux/maskedPaths/0: Not an absolute path: 'proc/kcore'");
    expect(errorOf((c) => (c.linux.readonlyPaths = ["/a", "b"]))).toBe("Invalid config.json: /linux/readonlyPaths/1: Not an absolute path: 'b'");
    expect(errorOf((c) => (c.linux.devices = [{ type: "c", path: "fuse" }]))).toBe("Invalid config.json: /linux/devices/0/path: Not an absolute path: 'fuse'");
    expect(errorOf((c) => (c.linux.namespaces[0].path = "ns/pid"))).toBe("Invalid config.json: /linux/namespaces/0/path: Not an absolute path: 'ns/pid'");
  });

  test("rejects a device path that leaves /dev, naming the index", () => {
    expect(errorOf((c) => (c.linux.devices = [{ type: "c", path: "/dev/fuse" }, { type: "c", path: "/dev/../../x" }]))).toBe(
      "Invalid config.json: /linux/devices/1/path: Must be under /dev: '/dev/../../x'",
    );
    expect(errorOf((c) => (c.linux.devices = [{ type: "c", path: "/devices" }]))).toBe("Invalid config.json: /linux/devices/0/path: Must be under /dev: '/devices'");
  });

  test("without a mount namespace, refuses each field that needs one", () => {
    const noMount = (c: any) => (c.linux.namespaces = [{ type: "pid" }]);
    for (const [pointer, change] of [
      ["/root/readonly", (c: any) => (c.root = { readonly: true })],
      ["/mounts", (c: any) => (c.mounts = [{ destination: "/proc", type: "proc" }])],
      ["/linux/devices", (c: any) => (c.linux.devices = [{ type: "c", path: "/dev/fuse" }])],
      ["/linux/rootfsPropagation", (c: any) => (c.linux.rootfsPropagation = "private")],
      ["/linux/maskedPaths", (c: any) => (c.linux.maskedPaths = ["/proc/kcore"])],
      ["/linux/readonlyPaths", (c: any) => (c.linux.readonlyPaths = ["/proc/sys"])],
    ] as const)
      expect(errorOf((c) => (noMount(c), change(c)))).toBe(`Invalid config.json: ${pointer}: Needs a 'mount' namespace in /linux/namespaces`);
    const c = minimal();
    noMount(c);
    expect(parseConfig(c, "/bundle").root.path).toBe("/bundle/rootfs");
  });

  test("checks idmapped and tmpcopyup mounts", () => {
    const map = [{ containerID: 0, hostID: 1000, size: 1 }];
    expect(errorOf((c) => (c.mounts = [{ destination: "/t", type: "tmpfs", uidMappings: map, gidMappings: map }]))).toBe(
      "Invalid config.json: /mounts/0: An idmapped mount must be a bind mount",
    );
    expect(errorOf((c) => (c.mounts = [{ destination: "/t", type: "bind", source: "/x", options: ["idmap"] }]))).toBe(
      "Invalid config.json: /mounts/0: An idmapped mount needs uidMappings and gidMappings, its own or the container's in /linux",
    );
    expect(errorOf((c) => (c.mounts = [{ destination: "/t", type: "bind", source: "/x", options: ["tmpcopyup"] }]))).toBe(
      "Invalid config.json: /mounts/0/options: tmpcopyup is for tmpfs mounts",
    );
    const ok = minimal();
    ok.linux.namespaces.push({ type: "user" });
    Object.assign(ok.linux, { uidMappings: map, gidMappings: map });
    ok.mounts = [{ destination: "/t", type: "bind", source: "/x", options: ["rbind", "ridmap"] }];
    expect(parseConfig(ok, "/bundle").mounts).toHaveLength(1);
  });

  test("rejects an ociVersion other than 1.x", () => {
    expect(errorOf((c) => (c.ociVersion = "2.0.0"))).toBe("Invalid config.json: /ociVersion: Unsupported version '2.0.0' (bunker reads 1.x)");
  });

  test("checks numbers against the spec's integer types", () => {
    expect(errorOf((c) => (c.process.user.uid = -1))).toBe("Invalid config.json: /process/user/uid: Out of range: -1 (an integer from 0 to 2147483647)");
    expect(errorOf((c) => (c.linux.resources = { memory: { limit: 1.5 } }))).toBe("Invalid config.json: /linux/resources/memory/limit: Expected integer");
    expect(errorOf((c) => (c.linux.rootfsPropagation = "none"))).toContain("/linux/rootfsPropagation: Expected one of 'private', 'rprivate'");
  });
});

describe("parseConfig() and the C types behind the fields", () => {
  test("refuses ids that setresuid/setgroups would take as -1 or runc refuses (above 2^31-1)", () => {
    expect(errorOf((c) => (c.process.user.uid = 4294967295))).toContain("/process/user/uid: Out of range: 4294967295");
    expect(errorOf((c) => (c.process.user.additionalGids = [1, 2147483648]))).toContain("/process/user/additionalGids/1");
    expect(() => parseConfig({ ...minimal(), process: { ...minimal().process, user: { uid: 2147483647, gid: 2147483647 } } }, "/b")).not.toThrow();
  });

  test("refuses an id mapping that reaches (uid_t)-1", () => {
    const withMaps = (m: object) => (c: any) => {
      c.linux.namespaces.push({ type: "user" });
      c.linux.uidMappings = [m];
      c.linux.gidMappings = [{ containerID: 0, hostID: 1000, size: 1 }];
    };
    expect(errorOf(withMaps({ containerID: 0, hostID: 4294967290, size: 10 }))).toBe(
      "Invalid config.json: /linux/uidMappings/0: Range ends past 4294967294: 0+10 -> 4294967290+10",
    );
    expect(errorOf(withMaps({ containerID: 0, hostID: 0, size: 0 }))).toContain("/linux/uidMappings/0/size");
  });

  test("refuses device numbers that mknod would wrap and a mode with file type bits", () => {
    const dev = (d: object) => (c: any) => (c.linux.devices = [{ type: "c", path: "/dev/x", major: 1, minor: 1, ...d }]);
    expect(errorOf(dev({ major: 4096 }))).toContain("/linux/devices/0/major");
    expect(errorOf(dev({ minor: -1 }))).toContain("/linux/devices/0/minor");
    expect(errorOf(dev({ fileMode: 0o20666 }))).toContain("/linux/devices/0/fileMode");
  });

  test("refuses a cgroupsPath deeper or longer than any real one (each level is a directory in every hierarchy)", () => {
    expect(errorOf((c) => (c.linux.cgroupsPath = "/a".repeat(65)))).toBe("Invalid config.json: /linux/cgroupsPath: Deeper than 64 levels");
    expect(errorOf((c) => (c.linux.cgroupsPath = `/${"x".repeat(2048)}`))).toBe("Invalid config.json: /linux/cgroupsPath: Longer than 2048 bytes");
    expect(() => parseConfig({ ...minimal(), linux: { ...minimal().linux, cgroupsPath: "/a".repeat(64) } }, "/b")).not.toThrow();
    expect(() => parseConfig({ ...minimal(), linux: { ...minimal().linux, cgroupsPath: "system.slice:docker:0123456789abcdef" } }, "/b")).not.toThrow();
  });

  test("refuses an empty root.path, long UTS names and env entries without a name", () => {
    expect(errorOf((c) => (c.root = { path: "" }))).toBe("Invalid config.json: /root/path: Empty: name the root filesystem's directory");
    expect(errorOf((c) => (c.hostname = "h".repeat(65)))).toBe("Invalid config.json: /hostname: Longer than 64 bytes");
    expect(errorOf((c) => (c.process.env = ["A=1", "=x"]))).toBe("Invalid config.json: /process/env/1: Not NAME=value: '=x'");
    expect(errorOf((c) => (c.process.env = ["NOEQUALS"]))).toContain("/process/env/0");
  });

  test("process.scheduler: runc's rules and the kernel's", () => {
    const sched = (s: object) => (c: any) => (c.process.scheduler = s);
    expect(errorOf(sched({ policy: "SCHED_ISO" }))).toContain("/process/scheduler/policy: SCHED_ISO is reserved");
    expect(errorOf(sched({ policy: "SCHED_RR" }))).toContain("/process/scheduler/priority: SCHED_RR needs a priority from 1 to 99");
    expect(errorOf(sched({ policy: "SCHED_BATCH", priority: 1 }))).toContain("Only SCHED_FIFO and SCHED_RR take a priority");
    expect(errorOf(sched({ policy: "SCHED_OTHER", runtime: 1 }))).toContain("for SCHED_DEADLINE only");
    expect(errorOf(sched({ policy: "SCHED_DEADLINE", runtime: 100 }))).toContain("at least 1024 ns");
    expect(errorOf(sched({ policy: "SCHED_DEADLINE", runtime: 2000, deadline: 1000 }))).toContain("runtime <= deadline");
    expect(errorOf(sched({ policy: "SCHED_DEADLINE", runtime: 2000, deadline: 3000, period: 2500 }))).toContain("deadline <= period");
    expect(errorOf(sched({ policy: "SCHED_OTHER", flags: ["RESET_ON_FORK"] }))).toContain("/process/scheduler/flags/0: Unknown scheduler flag");
    expect(() => parseConfig({ ...minimal(), process: { ...minimal().process, scheduler: { policy: "SCHED_DEADLINE", runtime: 2000, deadline: 3000 } } }, "/b")).not.toThrow();
  });

  test("linux.personality flags, linux.netDevices names and execCPUAffinity lists", () => {
    expect(errorOf((c) => (c.linux.personality = { domain: "LINUX", flags: ["X"] }))).toContain("/linux/personality/flags/0: Unknown personality flag 'X'");
    expect(errorOf((c) => (c.linux.netDevices = { eth0: {} }))).toContain("/linux/netDevices: Needs a 'network' namespace");
    expect(errorOf((c) => {
      c.linux.namespaces.push({ type: "network" });
      c.linux.netDevices = { eth0: { name: "x" }, eth1: { name: "x" } };
    })).toContain("/linux/netDevices/eth1/name: Two devices would be named 'x'");
    expect(errorOf((c) => (c.process.execCPUAffinity = { initial: "0--2" }))).toContain("/process/execCPUAffinity/initial: Not a CPU or range: '0--2'");
  });

  test("fields bunker does not implement are refused, never ignored", () => {
    expect(errorOf((c) => (c.process.selinuxLabel = "l"))).toContain("/process/selinuxLabel");
    expect(errorOf((c) => (c.linux.mountLabel = "m"))).toContain("/linux/mountLabel");
    expect(errorOf((c) => (c.linux.intelRdt = {}))).toContain("/linux/intelRdt");
    expect(errorOf((c) => (c.linux.memoryPolicy = { mode: "MPOL_BIND", nodes: "0" }))).toBe("Invalid config.json: /linux/memoryPolicy: NUMA memory policies are not supported by bunker");
    expect(errorOf((c) => (c.linux.resources = { memory: { useHierarchy: false } }))).toContain("/linux/resources/memory/useHierarchy");
    expect(() => parseConfig({ ...minimal(), process: { ...minimal().process, selinuxLabel: "" } }, "/b")).not.toThrow();
  });

  test("nothing is mounted inside /proc but the files lxcfs emulates, and only proc goes on /proc (runc's checkProcMount)", () => {
    const mount = (m: object) => (c: any) => (c.mounts = [{ destination: "/proc", type: "proc", source: "proc" }, m]);
    expect(errorOf(mount({ destination: "/proc/sys/kernel/core_pattern", type: "bind", source: "/tmp/x", options: ["bind"] }))).toStartWith(
      "Invalid config.json: /mounts/1/destination: '/proc/sys/kernel/core_pattern': Inside /proc, where only /proc/cpuinfo, /proc/diskstats,",
    );
    expect(errorOf(mount({ destination: "/proc/self/attr/", type: "tmpfs", source: "tmpfs" }))).toContain("/mounts/1/destination: '/proc/self/attr/': Inside /proc");
    expect(errorOf(mount({ destination: "/proc/./sysrq-trigger", type: "bind", source: "/dev/null", options: ["bind"] }))).toContain("Inside /proc");
    expect(errorOf(mount({ destination: "/proc", type: "tmpfs", source: "tmpfs" }))).toBe(
      "Invalid config.json: /mounts/1/destination: '/proc': Only a proc file system (or a bind of one) can be mounted on /proc, not 'tmpfs'",
    );
    for (const destination of ["/proc/meminfo", "/proc/net/dev", "/proc/sys/kernel/ns_last_pid", "/procfs/x", "/srv/proc/sys"])
      expect(() => parseConfig({ ...minimal(), mounts: [{ destination, type: "bind", source: "/tmp", options: ["bind"] }] }, "/b")).not.toThrow();
  });

  test("keeps only the properties of the spec (capabilities.foo once reached a forEach)", () => {
    const c = minimal();
    c.process.capabilities = { bounding: ["CAP_KILL"], foo: "x" };
    expect(parseConfig(c, "/b").process.capabilities).toEqual({ bounding: ["CAP_KILL"] });
  });
});

describe("parseConfig(): linux.seccomp", () => {
  const withSeccomp = (seccomp: object) => (c: any) => (c.linux.seccomp = seccomp);

  test("names an unknown flag and an unknown architecture, listing the known ones", () => {
    expect(errorOf(withSeccomp({ defaultAction: "SCMP_ACT_ALLOW", flags: ["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_BOGUS"] }))).toStartWith(
      "Invalid config.json: /linux/seccomp/flags/1: Expected one of 'SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW', 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV', not 'SECCOMP_FILTER_FLAG_BOGUS'",
    );
    expect(errorOf(withSeccomp({ defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_VAX"] }))).toContain("/linux/seccomp/architectures/0: Expected one of 'SCMP_ARCH_X86_64'");
  });

  test("an argument past 2^53 keeps its exact value through parsing and the dropping of unknown properties", () => {
    const c = minimal();
    c.linux.seccomp = { defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["personality"], action: "SCMP_ACT_ERRNO", unknown: 1, args: [{ index: 0, value: 1, op: "SCMP_CMP_EQ", x: 2 }] }] };
    const text = JSON.stringify(c).replace('"value":1', '"value":9223372036854775809');
    const arg = parseConfig(parseJson(text, "config.json"), "/b").linux!.seccomp!.syscalls![0]!.args![0]!;
    expect(arg).toEqual({ index: 0, value: 9223372036854775809, op: "SCMP_CMP_EQ" });
    expect(exactInteger(arg, "value")).toBe(9223372036854775809n);
  });

  test("refuses an errno on an action that takes none, as the spec asks", () => {
    expect(errorOf(withSeccomp({ defaultAction: "SCMP_ACT_ALLOW", defaultErrnoRet: 1 }))).toBe(
      "Invalid config.json: /linux/seccomp/defaultErrnoRet: SCMP_ACT_ALLOW takes no errno (only SCMP_ACT_ERRNO and SCMP_ACT_TRACE do)",
    );
    expect(errorOf(withSeccomp({ defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["mkdir"], action: "SCMP_ACT_KILL", errnoRet: 1 }] }))).toBe(
      "Invalid config.json: /linux/seccomp/syscalls/0/errnoRet: SCMP_ACT_KILL takes no errno (only SCMP_ACT_ERRNO and SCMP_ACT_TRACE do)",
    );
    expect(errorOf(withSeccomp({ defaultAction: "SCMP_ACT_ERRNO", defaultErrnoRet: 65536 }))).toContain("/linux/seccomp/defaultErrnoRet: Out of range: 65536 (an integer from 0 to 65535)");
  });

  test("refuses what a notifying filter cannot do: be the default, notify the calls that hand over its fd, lack a listener", () => {
    expect(errorOf(withSeccomp({ defaultAction: "SCMP_ACT_NOTIFY", listenerPath: "/run/a" }))).toBe("Invalid config.json: /linux/seccomp/defaultAction: SCMP_ACT_NOTIFY cannot be the default action");
    expect(errorOf(withSeccomp({ defaultAction: "SCMP_ACT_ALLOW", listenerPath: "/run/a", syscalls: [{ names: ["mkdir", "sendmsg"], action: "SCMP_ACT_NOTIFY" }] }))).toBe(
      "Invalid config.json: /linux/seccomp/syscalls/0/names/1: SCMP_ACT_NOTIFY cannot be used for 'sendmsg': the setup stage hands the listener its fd with write and sendmsg",
    );
    expect(errorOf(withSeccomp({ defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["mkdir"], action: "SCMP_ACT_NOTIFY" }] }))).toBe(
      "Invalid config.json: /linux/seccomp/listenerPath: Required with SCMP_ACT_NOTIFY: the notify fd goes to this socket",
    );
    expect(errorOf(withSeccomp({ defaultAction: "SCMP_ACT_ALLOW", listenerMetadata: "x" }))).toBe("Invalid config.json: /linux/seccomp/listenerMetadata: Needs listenerPath");
    expect(errorOf(withSeccomp({ defaultAction: "SCMP_ACT_ALLOW", listenerPath: "run/a" }))).toBe("Invalid config.json: /linux/seccomp/listenerPath: Not an absolute path: 'run/a'");
  });

  test("refuses an empty syscall name", () => {
    expect(errorOf(withSeccomp({ defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: [""], action: "SCMP_ACT_ERRNO" }] }))).toContain("/linux/seccomp/syscalls/0/names/0");
  });
});

describe("processProblems()", () => {
  test("reports under the pointer prefix it is given, for exec's process.json", () => {
    expect(processProblems({ user: { uid: 0, gid: 0 }, args: [], cwd: "/" }, "")).toEqual([
      { pointer: "/args", detail: "Empty: the first element names the program to run" },
    ]);
  });
});

describe("parseProcess()", () => {
  test("applies the defaults of a process and names problems from the document's root", () => {
    expect(parseProcess({ user: { uid: 0, gid: 0 }, args: ["ls"] }).cwd).toBe("/");
    expect(() => parseProcess({ user: { uid: 0, gid: 0 }, args: ["ls"], cwd: "x" })).toThrow("Invalid process.json: /cwd: Not an absolute path: 'x'");
    expect(() => parseProcess({ args: ["ls"] }, "p.json")).toThrow("Invalid p.json: /user: Expected required property");
  });
});

describe("loadConfig()", () => {
  const dir = mkdtempSync(join(tmpdir(), "bunker-spec-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const bundle = (name: string, text: string | null): string => {
    const b = join(dir, name);
    mkdirSync(b);
    if (text !== null) writeFileSync(join(b, "config.json"), text);
    return b;
  };

  test("reads config.json and resolves the root against the bundle", () => {
    const b = bundle("ok", JSON.stringify(minimal()));
    expect(loadConfig(b).root.path).toBe(join(b, "rootfs"));
  });

  test("says when config.json is not JSON", () => {
    expect(() => loadConfig(bundle("bad", "{ociVersion"))).toThrow(/^Invalid config\.json: Not JSON: /);
  });

  test("names the file when it cannot be read", () => {
    const b = bundle("none", null);
    expect(() => loadConfig(b)).toThrow(`Cannot read the bundle's config: '${join(b, "config.json")}'`);
  });
});
