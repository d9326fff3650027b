// linux.seccomp, applied by the compiled executable: Docker's default profile (captured from dockerd driving bunker),
// podman's (/usr/share/containers/seccomp.json), and every action observed on a real kernel.
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { syscallTable } from "../../runtime/seccomp/arches.ts";
import { makeBundle, type TestConfig } from "../support/bundle.ts";
import { bunker, newRoot, skipReason } from "../support/cli.ts";
import { podmanProfileMissing, podmanSeccomp } from "../support/podman-seccomp.ts";

const skip = skipReason() ?? (existsSync("/usr/bin/python3") ? undefined : "python3 is missing (apt-get install python3)");
if (skip) console.log(`SKIP seccomp: ${skip}`);
const podmanMissing = skip ?? podmanProfileMissing();
if (podmanMissing && !skip) console.log(`SKIP seccomp with podman's profile: ${podmanMissing}`);

const dockerSeccomp = (): Record<string, unknown> =>
  JSON.parse(readFileSync(join(import.meta.dir, "../fixtures/configs/docker.json"), "utf8")).linux.seccomp;

const NR = (name: string): number => syscallTable(process.arch === "x64" ? "SCMP_ARCH_X86_64" : "SCMP_ARCH_AARCH64").get(name)!;

/**
 * Python (the host's /usr, read-only) makes the calls busybox has no applet for and prints each one's errno name:
 * "unshare OK", "keyctl EPERM", ...
 */
const PROBE = `
import ctypes, errno, sys
libc = ctypes.CDLL(None, use_errno=True)
def call(name, fn, *args):
    ctypes.set_errno(0)
    r = fn(*args)
    print(name, errno.errorcode.get(ctypes.get_errno(), "E?") if r == -1 else "OK")
call("unshare", libc.unshare, 0x20000)
call("mount", libc.mount, b"none", b"/tmp", b"tmpfs", ctypes.c_ulong(0), None)
call("keyctl", libc.syscall, ${NR("keyctl")}, 0, -3, 1)
call("add_key", libc.syscall, ${NR("add_key")}, b"user", b"bunker-test", b"v", 1, -2)
call("socket", libc.socket, 16, 3, 9)
`;

const parseProbe = (out: string): Record<string, string> => Object.fromEntries(out.trim().split("\n").map((l) => l.split(" ") as [string, string]));

const ALL_CAPS_OF = (c: TestConfig, extra: string[]) => {
  const caps = [...c.process.capabilities.bounding, ...extra];
  return { bounding: caps, effective: caps, permitted: caps };
};

describe.skipIf(!!skip)("seccomp", () => {
  const root = newRoot();
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of [root, ...dirs]) rmSync(d, { recursive: true, force: true });
  });

  /** A busybox bundle with `seccomp`; with `python`, the host's /usr is mounted read-only for the probe. */
  const bundleWith = (args: string[], seccomp: unknown, edit: (c: TestConfig) => TestConfig = (c) => c, python = false): string => {
    const dir = makeBundle(args, (c) => {
      const e = edit(c);
      return {
        ...e,
        mounts: python ? [...e.mounts, { destination: "/usr", type: "bind", source: "/usr", options: ["rbind", "ro"] }] : e.mounts,
        linux: { ...e.linux, seccomp },
      };
    });
    if (python) {
      mkdirSync(join(dir, "rootfs/usr"));
      symlinkSync("usr/lib", join(dir, "rootfs/lib"));
      symlinkSync("usr/lib64", join(dir, "rootfs/lib64"));
    }
    dirs.push(dir);
    return dir;
  };

  const run = (id: string, bundle: string) => bunker(root, ["run", "--bundle", bundle, id]);

  describe("Docker's default profile", () => {
    const withAdmin = (c: TestConfig) => ({ ...c, process: { ...c.process, capabilities: ALL_CAPS_OF(c, ["CAP_SYS_ADMIN"]) } });

    test("refuses unshare, mount and keyctl with its errno (EPERM), even to a container holding CAP_SYS_ADMIN", () => {
      const r = run("docker-probe", bundleWith(["/usr/bin/python3", "-c", PROBE], dockerSeccomp(), withAdmin, true));
      expect(r.stderr).toBe("");
      const got = parseProbe(r.stdout);
      expect([got.unshare, got.mount, got.keyctl, got.add_key]).toEqual(["EPERM", "EPERM", "EPERM", "EPERM"]);
      // busybox's own tools, the same way.
      const tools = run("docker-tools", bundleWith(["sh", "-c", "unshare -m true; mount -t tmpfs t /tmp && echo mounted"], dockerSeccomp(), withAdmin));
      expect(tools.stderr).toContain("unshare(0x20000): Operation not permitted");
      expect(tools.stdout).not.toContain("mounted");
    });

    test("holds for a process exec'd into the container: busybox's unshare and mount refused (runc applies it to exec too)", () => {
      const id = "docker-exec";
      expect(bunker(root, ["run", "-d", "--bundle", bundleWith(["sleep", "60"], dockerSeccomp(), withAdmin), id]).stderr).toBe("");
      try {
        const r = bunker(root, ["exec", id, "sh", "-c", "grep -E '^Seccomp:' /proc/self/status; unshare -m true && echo unshared; mount -t tmpfs t /tmp && echo mounted"]);
        expect(r.stdout).toBe("Seccomp:\t2\n");
        expect(r.stderr).toContain("unshare(0x20000): Operation not permitted");
        // The same exec in a container without the profile: the capability alone decides, and both work.
        const bare = "docker-exec-bare";
        expect(bunker(root, ["run", "-d", "--bundle", bundleWith(["sleep", "60"], undefined, withAdmin), bare]).stderr).toBe("");
        try {
          expect(bunker(root, ["exec", bare, "sh", "-c", "unshare -m true && echo unshared"]).stdout).toBe("unshared\n");
        } finally {
          bunker(root, ["delete", "--force", bare]);
        }
      } finally {
        bunker(root, ["delete", "--force", id]);
      }
    });

    test("leaves normal busybox work alone", () => {
      const r = run("docker-work", bundleWith(["sh", "-c", "ls /bin >/dev/null && cat /etc/passwd >/dev/null && ps >/dev/null && sleep 0.01 && grep -E '^Seccomp:' /proc/self/status && echo fine"], dockerSeccomp()));
      expect(r.stderr).toBe("");
      expect(r.stdout).toBe("Seccomp:\t2\nfine\n");
      expect(r.code).toBe(0);
    });

    test("still loads without no_new_privs for a non-root user (loaded while the stage has CAP_SYS_ADMIN)", () => {
      const nonRoot = (c: TestConfig) => ({ ...c, process: { ...c.process, noNewPrivileges: false, user: { uid: 1000, gid: 1000 } } });
      const r = run("docker-nnp", bundleWith(["sh", "-c", "grep -E '^(Uid|NoNewPrivs|Seccomp):' /proc/self/status; unshare -U true"], dockerSeccomp(), nonRoot));
      expect(r.stdout).toBe("Uid:\t1000\t1000\t1000\t1000\nNoNewPrivs:\t0\nSeccomp:\t2\n");
      // A user namespace needs no capability: only the filter refuses it.
      expect(r.stderr).toContain("Operation not permitted");
    });

    test("with SCMP_ACT_KILL as the default, a call it does not list kills the process with SIGSYS (exit 159)", () => {
      const { defaultErrnoRet: _, ...profile } = { ...dockerSeccomp(), defaultAction: "SCMP_ACT_KILL" } as Record<string, unknown>;
      const r = run("docker-kill", bundleWith(["sh", "-c", "echo before; exec unshare -m true"], profile));
      expect(r.stdout).toBe("before\n");
      expect(r.code).toBe(159);
    });
  });

  describe.skipIf(!!podmanMissing)("podman's default profile", () => {
    // The profile as podman resolves it for its default capabilities; the container also holds CAP_SYS_ADMIN, so
    // that a refusal can only come from the filter.
    const podmanCaps = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SETFCAP", "CAP_SETGID", "CAP_SETPCAP", "CAP_SETUID", "CAP_SYS_CHROOT"];
    const withAdmin = (c: TestConfig) => ({ ...c, process: { ...c.process, capabilities: { bounding: [...podmanCaps, "CAP_SYS_ADMIN"], effective: [...podmanCaps, "CAP_SYS_ADMIN"], permitted: [...podmanCaps, "CAP_SYS_ADMIN"] } } });

    test("allows what it lists (unshare, mount, keyctl: capabilities decide), answers the rest with its errnos", () => {
      const profile = podmanMissing ? {} : podmanSeccomp(podmanCaps);
      const r = run("podman-probe", bundleWith(["/usr/bin/python3", "-c", PROBE], profile, withAdmin, true));
      expect(r.stderr).toBe("");
      const got = parseProbe(r.stdout);
      // podman's profile lists unshare, mount and keyctl: with CAP_SYS_ADMIN the kernel grants them.
      expect([got.unshare, got.mount, got.keyctl]).toEqual(["OK", "OK", "OK"]);
      // add_key is not listed: the default action's errno, 38 (ENOSYS); audit sockets without CAP_AUDIT_WRITE: EINVAL.
      expect([got.add_key, got.socket]).toEqual(["ENOSYS", "EINVAL"]);
    });

    test("leaves normal busybox work alone, and refuses unshare and mount to default capabilities (EPERM)", () => {
      const defaults = (c: TestConfig) => ({ ...c, process: { ...c.process, capabilities: { bounding: podmanCaps, effective: podmanCaps, permitted: podmanCaps } } });
      const r = run("podman-work", bundleWith(["sh", "-c", "ls /bin >/dev/null && cat /etc/passwd >/dev/null && ps >/dev/null && grep -E '^Seccomp:' /proc/self/status; unshare -m true"], podmanMissing ? {} : podmanSeccomp(podmanCaps), defaults));
      expect(r.stdout).toBe("Seccomp:\t2\n");
      expect(r.stderr).toContain("unshare(0x20000): Operation not permitted");
    });
  });

  describe("each action, observed", () => {
    const onMkdir = (action: string, extra: Record<string, unknown> = {}) => ({ defaultAction: "SCMP_ACT_ALLOW", ...extra, syscalls: [{ names: ["mkdir"], action, ...(extra.errnoRet === undefined ? {} : { errnoRet: extra.errnoRet }) }] });

    test("SCMP_ACT_ERRNO answers with errnoRet", () => {
      const r = run("act-errno", bundleWith(["sh", "-c", "mkdir /tmp/x"], { defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["mkdir"], action: "SCMP_ACT_ERRNO", errnoRet: 61 }] }));
      expect(r.stderr).toBe("mkdir: can't create directory '/tmp/x': No data available\n");
    });

    test("SCMP_ACT_TRAP sends SIGSYS, which the shell can catch", () => {
      const r = run("act-trap", bundleWith(["sh", "-c", "trap 'echo trapped' SYS; mkdir /tmp/x; echo \"mkdir: $?\""], onMkdir("SCMP_ACT_TRAP")));
      // mkdir runs in a child that has no handler: SIGSYS kills it (128 + 31).
      expect(r.stdout).toBe("mkdir: 159\n");
      const own = run("act-trap2", bundleWith(["sh", "-c", "trap 'echo trapped' SYS; cd /tmp; echo after"], { defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["chdir"], action: "SCMP_ACT_TRAP" }] }));
      expect(own.stdout).toBe("trapped\nafter\n");
    });

    test("SCMP_ACT_TRACE without a tracer fails the call with ENOSYS", () => {
      const r = run("act-trace", bundleWith(["sh", "-c", "mkdir /tmp/x"], onMkdir("SCMP_ACT_TRACE")));
      expect(r.stderr).toBe("mkdir: can't create directory '/tmp/x': Function not implemented\n");
    });

    test("SCMP_ACT_LOG lets the call through and the kernel logs it (and SECCOMP_FILTER_FLAG_LOG logs the refusals)", async () => {
      const records = (): string[] => Bun.spawnSync(["dmesg"], { stdout: "pipe" }).stdout.toString().split("\n").filter((l) => l.includes("type=1326"));
      const before = new Set(records());
      const r = run("act-log", bundleWith(["sh", "-c", "mkdir /tmp/x && echo made; exec uname -s"], {
        defaultAction: "SCMP_ACT_ALLOW",
        flags: ["SECCOMP_FILTER_FLAG_LOG"],
        syscalls: [{ names: ["mkdir"], action: "SCMP_ACT_LOG" }, { names: ["uname"], action: "SCMP_ACT_ERRNO", errnoRet: 1 }],
      }));
      // uname, refused, prints an empty name.
      expect(r.stdout).toStartWith("made\n");
      const fresh = (): string[] => records().filter((l) => !before.has(l));
      for (let i = 0; i < 50 && !(fresh().some((l) => l.includes(`syscall=${NR("mkdir")} `)) && fresh().some((l) => l.includes(`syscall=${NR("uname")} `))); i++) await Bun.sleep(100);
      expect(fresh().some((l) => l.includes(`syscall=${NR("mkdir")} `) && l.includes("code=0x7ffc0000"))).toBe(true);
      // The kernel logs the action without its errno.
      expect(fresh().some((l) => l.includes(`syscall=${NR("uname")} `) && l.includes("code=0x50000"))).toBe(true);
    });

    test("SCMP_ACT_NOTIFY hands the listener the notify fd with the container's state; the listener answers", async () => {
      const dir = mkdtempSync(join(tmpdir(), "bunker-agent-"));
      dirs.push(dir);
      const sock = join(dir, "agent.sock");
      const out = join(dir, "out");
      const agent = Bun.spawn(["python3", join(import.meta.dir, "../support/seccomp-agent.py"), sock, out], { stdout: "ignore", stderr: "pipe" });
      try {
        for (let i = 0; i < 100 && !existsSync(`${out}.ready`); i++) await Bun.sleep(20);
        const bundle = bundleWith(["sh", "-c", "mkdir /tmp/x; echo \"mkdir: $?\""], { ...onMkdir("SCMP_ACT_NOTIFY"), listenerPath: sock, listenerMetadata: "from-the-test" });
        const r = run("act-notify", bundle);
        expect(r.stderr).toBe("mkdir: can't create directory '/tmp/x': Host is down\n");
        expect(r.stdout).toBe("mkdir: 1\n");
        expect(await Promise.race([agent.exited, Bun.sleep(10_000).then(() => "still running")])).toBe(0);
        const [first, ...notifications] = readFileSync(out, "utf8").trim().split("\n").map((l) => JSON.parse(l));
        expect(first.fds).toBe(1);
        expect(first.closedAfter).toBe(true);
        expect(first.state).toMatchObject({ fds: ["seccompFd"], metadata: "from-the-test", state: { id: "act-notify", status: "created", bundle } });
        expect(first.state.pid).toBe(first.state.state.pid);
        expect(notifications.map((n: { notification: { nr: number } }) => n.notification.nr)).toEqual([NR("mkdir")]);
      } finally {
        agent.kill();
        await agent.exited;
      }
    });
  });

  describe("architectures and flags", () => {
    test.skipIf(process.arch !== "x64")("an x32 call is killed unless the profile lists SCMP_ARCH_X32", () => {
      // getpid with the x32 bit: the kernel may not run x32 at all (ENOSYS), but the filter decides first.
      const x32 = ["/usr/bin/python3", "-c", "import ctypes; print(ctypes.CDLL(None).syscall(0x40000000 | 39) != 0)"];
      expect(run("x32-killed", bundleWith(x32, { defaultAction: "SCMP_ACT_ALLOW" }, (c) => c, true)).code).toBe(159);
      const listed = run("x32-listed", bundleWith(x32, { defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X32"] }, (c) => c, true));
      expect([listed.code, listed.stdout]).toEqual([0, "True\n"]);
    });

    test("an unknown flag fails the run naming it, and leaves no container behind", () => {
      const r = run("bad-flag", bundleWith(["true"], { defaultAction: "SCMP_ACT_ALLOW", flags: ["SECCOMP_FILTER_FLAG_BOGUS"] }));
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("/linux/seccomp/flags/0");
      expect(r.stderr).toContain("'SECCOMP_FILTER_FLAG_BOGUS'");
      expect(bunker(root, ["state", "bad-flag"]).stderr).toContain("does not exist");
    });
  });
});
