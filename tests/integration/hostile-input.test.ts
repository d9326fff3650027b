// Hostile input against the compiled executable: ids that overflow into root, NUL bytes, control characters,
// unknown and monstrous properties, flags without values. Each is refused with one line naming the field (or, for
// what the spec says to ignore, ignored), and leaves nothing behind.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeBundle, type TestConfig } from "../support/bundle.ts";
import { BIN, bunker, newRoot, skipReason, type Result } from "../support/cli.ts";

const skip = skipReason();
if (skip) console.log(`SKIP hostile-input: ${skip}`);

/**
 * `bunker ARGS` under GNU time: its exit status, its stderr and its own peak RSS in bytes. (Bun's
 * spawnSync().resourceUsage.maxRSS is the largest of every child this test process has waited for: 295 MB in a CI
 * run of the whole suite, whatever the command did.)
 */
const peak = (args: string[]): { code: number | null; stderr: string; rss: number } => {
  const r = Bun.spawnSync(["/usr/bin/time", "-f", "peak-rss-kb %M", BIN, ...args], { stdout: "pipe", stderr: "pipe", timeout: 20_000 });
  const lines = r.stderr.toString().split("\n");
  const kb = lines.findLast((l) => l.startsWith("peak-rss-kb "));
  return { code: r.exitCode, stderr: lines.filter((l) => !l.startsWith("peak-rss-kb ") && !l.startsWith("Command exited with")).join("\n"), rss: Number(kb?.slice(12)) * 1024 };
};

/** One line on stderr, "bunker: ..." (and, for a usage error, the command's usage line). */
const oneLine = (r: Result): string => {
  const lines = r.stderr.trimEnd().split("\n");
  expect(lines[0]).toStartWith("bunker: ");
  expect(lines.slice(1).every((l) => l.startsWith("usage: "))).toBe(true);
  expect(lines[0]).not.toMatch(/internal error|is not a function|Maximum call stack|undefined is not/);
  return lines[0]!;
};

describe.skipIf(!!skip)("hostile configs", () => {
  const root = newRoot();
  const bundles: string[] = [];
  afterAll(() => {
    for (const b of bundles) rmSync(b, { recursive: true, force: true });
    rmSync(root, { recursive: true, force: true });
  });
  const bundle = (args: string[], edit: (c: TestConfig) => unknown): string => {
    const b = makeBundle(args, edit);
    bundles.push(b);
    return b;
  };
  /** Runs `create` of a config that must be refused: exit 1, one line naming `field`, no state left. */
  const refused = (id: string, edit: (c: TestConfig) => unknown, field: string): string => {
    const r = bunker(root, ["create", "--bundle", bundle(["true"], edit), id]);
    expect(r.code).toBe(1);
    const line = oneLine(r);
    expect(line).toContain(field);
    expect(readdirSync(root).filter((f) => f !== "journal")).toEqual([]);
    return line;
  };

  test("a uid, gid or group id past 2^31-1 is refused, not run as root (uid 4294967295 is (uid_t)-1)", () => {
    for (const uid of [4294967295, 2147483648]) {
      const line = refused("uid", (c) => ({ ...c, process: { ...c.process, user: { uid, gid: 0 } } }), "/process/user/uid");
      expect(line).toContain("0 to 2147483647");
    }
    refused("gid", (c) => ({ ...c, process: { ...c.process, user: { uid: 0, gid: 4294967295 } } }), "/process/user/gid");
    refused("groups", (c) => ({ ...c, process: { ...c.process, user: { uid: 0, gid: 0, additionalGids: [5, 4294967295] } } }), "/process/user/additionalGids/1");
    refused("devuid", (c) => ({ ...c, linux: { ...c.linux, devices: [{ type: "c", path: "/dev/x", major: 1, minor: 3, uid: 4294967295 }] } }), "/linux/devices/0/uid");
    refused("devmajor", (c) => ({ ...c, linux: { ...c.linux, devices: [{ type: "c", path: "/dev/x", major: 4096, minor: 3 }] } }), "/linux/devices/0/major");
    refused("mapping", (c) => ({
      ...c,
      linux: {
        ...c.linux,
        namespaces: [...c.linux.namespaces, { type: "user" }],
        uidMappings: [{ containerID: 0, hostID: 4294967295, size: 1 }],
        gidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }],
      },
    }), "/linux/uidMappings/0/hostID");
    refused("console", (c) => ({ ...c, process: { ...c.process, consoleSize: { height: 70000, width: 80 } } }), "/process/consoleSize/height");
  });

  test("nothing is mounted inside /proc but the files lxcfs emulates, and on /proc only proc, as runc's checkProcMount", () => {
    const bind = (destination: string) => ({ destination, type: "bind", source: "/dev/null", options: ["bind"] });
    const tmpfs = (destination: string) => ({ destination, type: "tmpfs", source: "tmpfs" });
    // A bind over core_pattern would hand the host's core dumps to a program of the container's choosing.
    for (const [id, m] of [["procsys", bind("/proc/sys/kernel/core_pattern")], ["procattr", tmpfs("/proc/self/attr")], ["procsysrq", bind("/proc/sysrq-trigger")], ["procroot", tmpfs("/proc")]] as const) {
      const line = refused(id, (c) => ({ ...c, mounts: [...c.mounts, m] }), `/mounts/${7}/destination: '${m.destination}'`);
      expect(line).toContain(m.destination === "/proc" ? "Only a proc file system" : "Inside /proc, where only /proc/cpuinfo");
    }
  });

  test("a symlink of the image that leads a mount into /proc is refused by the stage, leaving nothing behind", () => {
    const b = bundle(["true"], (c) => ({ ...c, mounts: [...c.mounts, { destination: "/data", type: "tmpfs", source: "tmpfs" }] }));
    symlinkSync("/proc/sys/kernel", join(b, "rootfs/data"));
    const r = bunker(root, ["create", "--bundle", b, "procvialink"]);
    expect(r.code).toBe(1);
    expect(oneLine(r)).toBe("bunker: Setup stage failed at 'mount': Mount of '/data' failed: '/data' leads inside /proc, where it cannot be mounted (runc's rule)");
    expect(readdirSync(root)).toEqual([]);
    expect(readFileSync("/proc/self/mountinfo", "utf8")).not.toContain(b);
    expect(Bun.spawnSync(["find", "/sys/fs/cgroup", "-maxdepth", "5", "-name", "procvialink"]).stdout.toString()).toBe("");
  });

  test("the largest uid runc allows, 2147483647, runs as that uid", () => {
    const r = bunker(root, ["run", "--bundle", bundle(["id", "-u"], (c) => ({ ...c, process: { ...c.process, user: { uid: 2147483647, gid: 2147483647 } } })), "maxuid"]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("2147483647\n");
  });

  test("exec -u refuses ids past 2^31-1 naming the flag (4294967295, 4294967296 and 99999999999 ran as root or wrapped); exec --process reads with the bound", () => {
    const b = bundle(["sleep", "100"], (c) => c);
    expect(bunker(root, ["run", "-d", "--bundle", b, "execuid"]).code).toBe(0);
    try {
      for (const u of ["4294967295", "4294967296", "99999999999", "1000:4294967295"]) {
        const r = bunker(root, ["exec", "-u", u, "execuid", "id"]);
        expect(r.stdout).toBe("");
        expect(r.code).toBe(2);
        expect(oneLine(r)).toContain("--user");
      }
      expect(bunker(root, ["exec", "-u", "2147483647:5", "execuid", "id", "-u"]).stdout).toBe("2147483647\n");
      // A process file whose size says nothing is read only up to the bound (it was read whole: /dev/zero never ends).
      const zero = peak(["--root", root, "exec", "--process", "/dev/zero", "execuid"]);
      expect([zero.code, zero.stderr]).toEqual([1, "bunker: Invalid process.json: Larger than 4194304 bytes\n"]);
      expect(zero.rss).toBeLessThan(256 * 2 ** 20);
    } finally {
      bunker(root, ["delete", "--force", "execuid"]);
    }
  });

  test("unknown properties are ignored, even where a known one holds a list (capabilities.foo once hit a forEach)", () => {
    const b = bundle(["true"], (c) => ({ ...c, process: { ...c.process, capabilities: { ...c.process.capabilities, foo: "x" }, "org.example": { a: [1] } } }));
    const r = bunker(root, ["run", "--bundle", b, "unknown"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  });

  test("JSON nested 100,000 deep is one clear line, not a stack overflow", () => {
    const b = bundle(["true"], (c) => c);
    const config = JSON.stringify(JSON.parse(readFileSync(join(b, "config.json"), "utf8")));
    writeFileSync(join(b, "config.json"), config.replace(/}$/, `,"x":${"[".repeat(100_000)}${"]".repeat(100_000)}}`));
    const r = bunker(root, ["create", "--bundle", b, "deep"]);
    expect(r.code).toBe(1);
    expect(oneLine(r)).toContain("Nested deeper than");
  });

  test("a config.json of 1 GiB, a link to /dev/zero or a FIFO is refused without reading it whole or waiting (create's early stage start once read it whole)", () => {
    const b = bundle(["true"], (c) => c);
    truncateSync(join(b, "config.json"), 2 ** 30); // sparse: no disk space
    const r = peak(["--root", root, "create", "--bundle", b, "huge"]);
    expect([r.code, r.stderr]).toEqual([1, "bunker: Invalid config.json: Larger than 4194304 bytes\n"]);
    // Bounded as a 256 MiB board needs: the file is not in memory at any moment.
    expect(r.rss).toBeLessThan(256 * 2 ** 20);
    expect(readdirSync(root)).toEqual([]);
    // Nor one whose size says nothing: a link to /dev/zero, a FIFO with no writer (opened without waiting for one).
    rmSync(join(b, "config.json"));
    symlinkSync("/dev/zero", join(b, "config.json"));
    const zero = peak(["--root", root, "create", "--bundle", b, "zero"]);
    expect([zero.code, zero.stderr]).toEqual([1, "bunker: Invalid config.json: Larger than 4194304 bytes\n"]);
    expect(zero.rss).toBeLessThan(256 * 2 ** 20);
    rmSync(join(b, "config.json"));
    expect(Bun.spawnSync(["mkfifo", join(b, "config.json")]).exitCode).toBe(0);
    const fifo = Bun.spawnSync([BIN, "--root", root, "create", "--bundle", b, "fifo"], { stdout: "pipe", stderr: "pipe", timeout: 20_000 });
    expect([fifo.exitCode, fifo.stderr.toString()]).toEqual([1, "bunker: Invalid config.json: Not JSON: JSON Parse error: Unexpected EOF\n"]);
    expect(readdirSync(root)).toEqual([]);
  });

  test("a NUL byte in args, env, hostname, domainname, cwd, paths or mount options is refused, naming the field", () => {
    const cases: [string, (c: TestConfig) => unknown, string][] = [
      ["args", (c) => ({ ...c, process: { ...c.process, args: ["echo", "a\0b"] } }), "/process/args/1"],
      ["env", (c) => ({ ...c, process: { ...c.process, env: ["A=1\0B=2"] } }), "/process/env/0"],
      ["host", (c) => ({ ...c, hostname: "a\0b" }), "/hostname"],
      ["domain", (c) => ({ ...c, domainname: "a\0b" }), "/domainname"],
      ["cwd", (c) => ({ ...c, process: { ...c.process, cwd: "/tmp\0/x" } }), "/process/cwd"],
      ["root", (c) => ({ ...c, root: { path: "rootfs\0x" } }), "/root/path"],
      ["dest", (c) => ({ ...c, mounts: [...c.mounts, { destination: "/mnt\0x", type: "tmpfs", source: "tmpfs" }] }), "/mounts/7/destination"],
      ["opt", (c) => ({ ...c, mounts: [...c.mounts, { destination: "/mnt", type: "tmpfs", source: "tmpfs", options: ["size=1m\0,ro"] }] }), "/mounts/7/options/0"],
      ["sysctl", (c) => ({ ...c, linux: { ...c.linux, sysctl: { "net.ipv4.ip_forward\0x": "1" } } }), "/linux/sysctl/"],
    ];
    for (const [id, edit, field] of cases) expect(refused(`nul-${id}`, edit, field)).toContain("NUL");
  });

  test("control characters from input are escaped in the error line", () => {
    const r = bunker(root, ["run", "--bundle", bundle(["no\nsuch\u001b[31mprogram"], (c) => c), "ctl"]);
    expect(r.code).toBe(1);
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("no\\nsuch\\x1b[31mprogram");
  });

  test("a cgroupsPath 2,100 levels deep is refused at once (the fuzzer's: create made directories for minutes)", () => {
    refused("cgdeep", (c) => ({ ...c, linux: { ...c.linux, cgroupsPath: `/bunker-test${"/a".repeat(2100)}` } }), "/linux/cgroupsPath: Longer than 2048 bytes");
    refused("cgdeep2", (c) => ({ ...c, linux: { ...c.linux, cgroupsPath: `/bunker-test${"/a".repeat(100)}` } }), "/linux/cgroupsPath: Deeper than 64 levels");
  });

  test("an empty root.path is refused (it meant the bundle directory itself)", () => {
    refused("emptyroot", (c) => ({ ...c, root: { path: "" } }), "/root/path");
  });

  test("fields bunker cannot honour are refused, not ignored", () => {
    refused("selinux", (c) => ({ ...c, process: { ...c.process, selinuxLabel: "system_u:system_r:container_t:s0" } }), "/process/selinuxLabel");
    refused("mountlabel", (c) => ({ ...c, linux: { ...c.linux, mountLabel: "system_u:object_r:container_file_t:s0" } }), "/linux/mountLabel");
    refused("rdt", (c) => ({ ...c, linux: { ...c.linux, intelRdt: { closID: "x" } } }), "/linux/intelRdt");
    refused("hier", (c) => ({ ...c, linux: { ...c.linux, resources: { memory: { useHierarchy: false } } } }), "/linux/resources/memory/useHierarchy");
    // runtime-spec 1.3's NUMA policy: unknown to the schema it would have been dropped as an unknown property.
    refused("mempolicy", (c) => ({ ...c, ociVersion: "1.3.0", linux: { ...c.linux, memoryPolicy: { mode: "MPOL_BIND", nodes: "0" } } }), "/linux/memoryPolicy");
  });
});

describe.skipIf(!!skip)("hostile command lines", () => {
  const root = newRoot();
  const tmp = mkdtempSync(join(tmpdir(), "bunker-hostile-"));
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
    rmSync(tmp, { recursive: true, force: true });
  });

  test("--root with no value is a usage error, not the help text with status 0", () => {
    for (const argv of [["--root"], ["--root", "--debug", "list"], ["--log"], ["--log-format", "--root", root, "list"]]) {
      const p = Bun.spawnSync([BIN, ...argv], { stderr: "pipe", stdout: "pipe" });
      expect(p.exitCode).toBe(2);
      expect(p.stdout.toString()).toBe("");
      expect(p.stderr.toString()).toContain("needs a value");
    }
  });

  test("every command flag that takes a value refuses to be last or to swallow the next flag", async () => {
    const { commands, commandNames } = await import("../../runtime/cli/commands/index.ts");
    for (const name of commandNames()) {
      const { command } = await commands[name]!();
      for (const f of command.flags.filter((x) => x.kind !== "bool")) {
        for (const argv of [[name, `--${f.name}`], [name, `--${f.name}`, "--help"]]) {
          const r = bunker(root, argv);
          expect({ argv, code: r.code }).toEqual({ argv, code: 2 });
          expect(oneLine(r)).toContain(`--${f.name} needs a value`);
        }
      }
    }
  });

  test("an unwritable --log fails the command with a line naming the path", () => {
    const dir = join(tmp, "a-directory");
    mkdirSync(dir);
    for (const log of ["/proc/no-such-dir/log", dir]) {
      const r = bunker(root, ["--log", log, "list"]);
      expect(r.code).toBe(1);
      expect(oneLine(r)).toContain(`'${log}'`);
    }
  });
});
