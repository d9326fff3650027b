import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { AUDIT_ARCH } from "../../../../ffi/arch.ts";
import { SECCOMP_RET } from "../../../../ffi/constants.ts";
import { SECCOMP_ARCH, syscallTable, X32_SYSCALL_BIT } from "../../../../runtime/seccomp/arches.ts";
import { compileSeccomp } from "../../../../runtime/seccomp/compile.ts";
import { parseConfig } from "../../../../runtime/spec/config.ts";
import { parseJson } from "../../../../runtime/spec/json-text.ts";
import { podmanProfileMissing, podmanSeccomp } from "../../../support/podman-seccomp.ts";
import { decodeProgram, run, verdict, type SeccompData } from "./bpf-interpreter.ts";

const X86_64 = AUDIT_ARCH.x64;
const I386 = SECCOMP_ARCH.SCMP_ARCH_X86.audit;
const AARCH64 = AUDIT_ARCH.arm64;
const ARM = SECCOMP_ARCH.SCMP_ARCH_ARM.audit;
const MIPSEL = 0x40000008;

const ALLOW = SECCOMP_RET.ALLOW;
const KILL_PROCESS = SECCOMP_RET.KILL_PROCESS;
const errno = (n: number): number => SECCOMP_RET.ERRNO | n;

/** linux.seccomp through config.json's own checks, as bunker reads it (exact 64-bit values included). */
const seccompOf = (seccomp: object) => {
  const text = JSON.stringify({ ociVersion: "1.2.0", root: { path: "rootfs" }, process: { user: { uid: 0, gid: 0 }, args: ["sh"], cwd: "/" }, linux: { seccomp } });
  return parseConfig(parseJson(text.replace(/"BIG:(\d+)"/g, "$1"), "config.json"), "/b").linux!.seccomp!;
};

const compile = (seccomp: object, machine: "x64" | "arm64" = "x64") => compileSeccomp(seccompOf(seccomp), machine);

const nr = (name: string, arch: keyof typeof SECCOMP_ARCH = "SCMP_ARCH_X86_64"): number => {
  const n = syscallTable(arch).get(name);
  if (n === undefined) throw new Error(`No ${name} on ${arch}`);
  return n;
};

const call = (program: Uint8Array, name: string, args: bigint[] = [], arch: number = X86_64, table: keyof typeof SECCOMP_ARCH = "SCMP_ARCH_X86_64"): number =>
  verdict(program, { nr: nr(name, table), arch, args });

describe("compileSeccomp(): actions", () => {
  const cases: [string, number | undefined, number][] = [
    ["SCMP_ACT_KILL", undefined, SECCOMP_RET.KILL_THREAD],
    ["SCMP_ACT_KILL_THREAD", undefined, SECCOMP_RET.KILL_THREAD],
    ["SCMP_ACT_KILL_PROCESS", undefined, SECCOMP_RET.KILL_PROCESS],
    ["SCMP_ACT_TRAP", undefined, SECCOMP_RET.TRAP],
    ["SCMP_ACT_ERRNO", undefined, errno(1)],
    ["SCMP_ACT_ERRNO", 38, errno(38)],
    ["SCMP_ACT_TRACE", undefined, SECCOMP_RET.TRACE | 1],
    ["SCMP_ACT_TRACE", 7, SECCOMP_RET.TRACE | 7],
    ["SCMP_ACT_LOG", undefined, SECCOMP_RET.LOG],
    ["SCMP_ACT_NOTIFY", undefined, SECCOMP_RET.USER_NOTIF],
  ];
  for (const [action, errnoRet, value] of cases) {
    test(`${action}${errnoRet === undefined ? "" : ` with errnoRet ${errnoRet}`} returns 0x${value.toString(16)}; other calls get the default`, () => {
      const { program } = compile({
        defaultAction: "SCMP_ACT_ALLOW",
        listenerPath: "/run/agent.sock",
        syscalls: [{ names: ["mkdir"], action, ...(errnoRet === undefined ? {} : { errnoRet }) }],
      });
      expect(call(program, "mkdir")).toBe(value);
      expect(call(program, "getpid")).toBe(ALLOW);
    });
  }

  test("each default action, with defaultErrnoRet defaulting to EPERM", () => {
    expect(call(compile({ defaultAction: "SCMP_ACT_ERRNO" }).program, "getpid")).toBe(errno(1));
    expect(call(compile({ defaultAction: "SCMP_ACT_ERRNO", defaultErrnoRet: 38 }).program, "getpid")).toBe(errno(38));
    expect(call(compile({ defaultAction: "SCMP_ACT_KILL" }).program, "getpid")).toBe(SECCOMP_RET.KILL_THREAD);
    expect(call(compile({ defaultAction: "SCMP_ACT_LOG" }).program, "getpid")).toBe(SECCOMP_RET.LOG);
  });

  test("a notifying rule asks the kernel for a listener", () => {
    const c = compile({ defaultAction: "SCMP_ACT_ALLOW", listenerPath: "/run/a.sock", flags: ["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"], syscalls: [{ names: ["mkdir"], action: "SCMP_ACT_NOTIFY" }] });
    // TSYNC | NEW_LISTENER | TSYNC_ESRCH | WAIT_KILLABLE_RECV
    expect(c.profile.flags).toBe(1 | 8 | 16 | 32);
    expect(c.profile.notifies).toBe(true);
    const quiet = compile({ defaultAction: "SCMP_ACT_ALLOW", flags: ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"] });
    expect(quiet.profile.flags).toBe(2);
  });
});

describe("compileSeccomp(): argument comparisons on 64-bit values", () => {
  // The halves differ, so a test that looked at one word only, or mixed them up, would show.
  const V = 0x0000_0002_0000_0005n;
  const probes = [
    V, V - 1n, V + 1n, 0n, 5n, 0x0000_0001_ffff_ffffn, 0x0000_0003_0000_0000n, 0x0000_0002_0000_0000n, 0x0000_0002_ffff_ffffn,
    0x0000_0005_0000_0002n, 0xffff_ffff_ffff_ffffn, 0x8000_0000_0000_0005n, 0x0000_0002_8000_0005n,
  ];
  const semantics: Record<string, (a: bigint) => boolean> = {
    SCMP_CMP_EQ: (a) => a === V,
    SCMP_CMP_NE: (a) => a !== V,
    SCMP_CMP_LT: (a) => a < V,
    SCMP_CMP_LE: (a) => a <= V,
    SCMP_CMP_GE: (a) => a >= V,
    SCMP_CMP_GT: (a) => a > V,
  };
  for (const [op, holds] of Object.entries(semantics)) {
    test(`${op} compares unsigned, high word first`, () => {
      const { program } = compile({ defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["mmap"], action: "SCMP_ACT_ERRNO", args: [{ index: 3, value: Number(V), op }] }] });
      for (const a of probes) expect([a, call(program, "mmap", [0n, 0n, 0n, a])]).toEqual([a, holds(a) ? errno(1) : ALLOW]);
    });
  }

  test("SCMP_CMP_MASKED_EQ masks both words: (arg & value) == valueTwo", () => {
    const mask = 0x0000_000f_0000_00f0n;
    const want = 0x0000_0002_0000_0050n;
    const { program } = compile({ defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["mmap"], action: "SCMP_ACT_ERRNO", args: [{ index: 2, value: Number(mask), valueTwo: Number(want), op: "SCMP_CMP_MASKED_EQ" }] }] });
    for (const a of [want, want | 0xffff_ff00_ffff_ff0fn, 0x0000_0003_0000_0050n, 0x0000_0002_0000_0060n, 0n, 0x0000_0012_0000_0150n])
      expect([a, call(program, "mmap", [0n, 0n, a])]).toEqual([a, (a & mask) === want ? errno(1) : ALLOW]);
  });

  test("values beyond 2^53 are compared exactly as config.json wrote them", () => {
    const big = 0x8000_0000_0000_0001n;
    const { program } = compile({ defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["mmap"], action: "SCMP_ACT_ERRNO", args: [{ index: 0, value: `BIG:${big}`, op: "SCMP_CMP_EQ" }] }] });
    expect(call(program, "mmap", [big])).toBe(errno(1));
    // What JSON.parse alone would have made of it.
    expect(call(program, "mmap", [BigInt(Number(big))])).toBe(ALLOW);
    expect(() => compile({ defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["mmap"], action: "SCMP_ACT_ERRNO", args: [{ index: 0, value: "BIG:18446744073709551616", op: "SCMP_CMP_EQ" }] }] })).toThrow(
      "/linux/seccomp/syscalls/0/args/0/value: Above 2^64 - 1",
    );
  });

  test("several args of one rule are ANDed; several rules of one syscall are ORed", () => {
    const { program } = compile({
      defaultAction: "SCMP_ACT_ERRNO",
      syscalls: [
        { names: ["kill"], action: "SCMP_ACT_ALLOW", args: [{ index: 0, value: 1, op: "SCMP_CMP_EQ" }, { index: 1, value: 9, op: "SCMP_CMP_EQ" }] },
        { names: ["kill"], action: "SCMP_ACT_ALLOW", args: [{ index: 1, value: 15, op: "SCMP_CMP_EQ" }] },
      ],
    });
    expect(call(program, "kill", [1n, 9n])).toBe(ALLOW);
    expect(call(program, "kill", [2n, 9n])).toBe(errno(1));
    expect(call(program, "kill", [1n, 2n])).toBe(errno(1));
    expect(call(program, "kill", [7n, 15n])).toBe(ALLOW);
  });

  test("an argument tested twice in one rule makes one rule per test, as runc does", () => {
    const { program } = compile({
      defaultAction: "SCMP_ACT_ALLOW",
      syscalls: [{ names: ["kill"], action: "SCMP_ACT_ERRNO", args: [{ index: 1, value: 9, op: "SCMP_CMP_EQ" }, { index: 1, value: 15, op: "SCMP_CMP_EQ" }] }],
    });
    expect([9n, 15n, 2n].map((sig) => call(program, "kill", [1n, sig]))).toEqual([errno(1), errno(1), ALLOW]);
  });

  test("a 32-bit architecture compares the low word only, as libseccomp does", () => {
    const { program } = compile({
      defaultAction: "SCMP_ACT_ALLOW",
      architectures: ["SCMP_ARCH_X86"],
      syscalls: [{ names: ["mmap2"], action: "SCMP_ACT_ERRNO", args: [{ index: 0, value: 0x1_0000_0005, op: "SCMP_CMP_EQ" }] }],
    });
    expect(call(program, "mmap2", [5n], I386, "SCMP_ARCH_X86")).toBe(errno(1));
    expect(call(program, "mmap2", [6n], I386, "SCMP_ARCH_X86")).toBe(ALLOW);
  });
});

describe("compileSeccomp(): architectures", () => {
  test("a call from an architecture the filter does not cover is killed with its process", () => {
    const { program } = compile({ defaultAction: "SCMP_ACT_ALLOW" });
    expect(verdict(program, { nr: 3, arch: I386 })).toBe(KILL_PROCESS);
    expect(verdict(program, { nr: 3, arch: AARCH64 })).toBe(KILL_PROCESS);
    expect(verdict(program, { nr: 3, arch: X86_64 })).toBe(ALLOW);
  });

  test("the running machine's architecture is always filtered; listed compat ones through their own tables", () => {
    const { program, profile } = compile({ defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_X86"], syscalls: [{ names: ["mkdir"], action: "SCMP_ACT_ERRNO" }] });
    expect(profile.arches.map((a) => a.arch.name)).toEqual(["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"]);
    expect(call(program, "mkdir")).toBe(errno(1));
    // mkdir is 39 on i386, 83 on x86_64.
    expect(call(program, "mkdir", [], I386, "SCMP_ARCH_X86")).toBe(errno(1));
    expect(verdict(program, { nr: 83, arch: I386 })).toBe(ALLOW);
  });

  test("architectures this kernel never runs are left out (their calls would be killed), not refused", () => {
    const { program, profile } = compile({ defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_MIPSEL", "SCMP_ARCH_AARCH64"] });
    expect(profile.foreign).toEqual(["SCMP_ARCH_MIPSEL", "SCMP_ARCH_AARCH64"]);
    expect(verdict(program, { nr: 1, arch: MIPSEL })).toBe(KILL_PROCESS);
    expect(() => compile({ defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_VAX"] })).toThrow("/linux/seccomp/architectures/0");
  });

  test("x32 calls are not x86_64 calls: killed unless SCMP_ARCH_X32 is listed, then filtered by the x32 table", () => {
    const without = compile({ defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["read"], action: "SCMP_ACT_ERRNO" }] }).program;
    expect(verdict(without, { nr: X32_SYSCALL_BIT | 0, arch: X86_64 })).toBe(KILL_PROCESS);
    expect(verdict(without, { nr: 0, arch: X86_64 })).toBe(errno(1));
    // nr -1 is how a tracer skips a call: the default applies.
    expect(verdict(without, { nr: -1, arch: X86_64 })).toBe(ALLOW);
    const withX32 = compile({ defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X32"], syscalls: [{ names: ["read", "rt_sigaction"], action: "SCMP_ACT_ERRNO" }] }).program;
    expect(call(withX32, "read", [], X86_64, "SCMP_ARCH_X32")).toBe(errno(1));
    // x32's own rt_sigaction (512) is not x86_64's (13).
    expect(nr("rt_sigaction", "SCMP_ARCH_X32")).toBe(X32_SYSCALL_BIT + 512);
    expect(call(withX32, "rt_sigaction", [], X86_64, "SCMP_ARCH_X32")).toBe(errno(1));
    expect(verdict(withX32, { nr: X32_SYSCALL_BIT + 13, arch: X86_64 })).toBe(ALLOW);
    expect(verdict(withX32, { nr: X32_SYSCALL_BIT + 1000, arch: X86_64 })).toBe(ALLOW);
  });

  test("on aarch64 the generic table and arm's compat table are used", () => {
    const { program } = compile({ defaultAction: "SCMP_ACT_ERRNO", architectures: ["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"], syscalls: [{ names: ["openat", "open", "set_tls"], action: "SCMP_ACT_ALLOW" }] }, "arm64");
    expect(call(program, "openat", [], AARCH64, "SCMP_ARCH_AARCH64")).toBe(ALLOW);
    expect(call(program, "openat", [], ARM, "SCMP_ARCH_ARM")).toBe(ALLOW);
    expect(call(program, "open", [], ARM, "SCMP_ARCH_ARM")).toBe(ALLOW);
    expect(call(program, "set_tls", [], ARM, "SCMP_ARCH_ARM")).toBe(ALLOW);
    expect(verdict(program, { nr: 3, arch: X86_64 })).toBe(KILL_PROCESS);
  });
});

describe("compileSeccomp(): names and precedence", () => {
  test("names no table knows are skipped, as runc and crun do, and listed", () => {
    const { program, profile } = compile({ defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["no_such_call", "mkdir", "socketcall"], action: "SCMP_ACT_ERRNO" }] });
    expect(profile.skipped).toEqual(["no_such_call", "socketcall"]);
    expect(call(program, "mkdir")).toBe(errno(1));
  });

  test("an unconditional rule overrides conditional ones wherever it is listed; the first unconditional one wins", () => {
    const { program } = compile({
      defaultAction: "SCMP_ACT_ALLOW",
      syscalls: [
        { names: ["kill"], action: "SCMP_ACT_ERRNO", errnoRet: 3, args: [{ index: 0, value: 1, op: "SCMP_CMP_EQ" }] },
        { names: ["kill"], action: "SCMP_ACT_ERRNO", errnoRet: 5 },
        { names: ["kill"], action: "SCMP_ACT_TRAP" },
      ],
    });
    expect(call(program, "kill", [1n])).toBe(errno(5));
    expect(call(program, "kill", [2n])).toBe(errno(5));
  });

  test("rules with the default action are left out (runc), so they override nothing", () => {
    const { program } = compile({
      defaultAction: "SCMP_ACT_ALLOW",
      syscalls: [
        { names: ["kill"], action: "SCMP_ACT_ALLOW" },
        { names: ["kill"], action: "SCMP_ACT_ERRNO", args: [{ index: 0, value: 1, op: "SCMP_CMP_EQ" }] },
      ],
    });
    expect(call(program, "kill", [1n])).toBe(errno(1));
    expect(call(program, "kill", [2n])).toBe(ALLOW);
  });

  test("conditional rules are tried in libseccomp's order: the higher argument first, equality before < before >", () => {
    const byArg = compile({
      defaultAction: "SCMP_ACT_ALLOW",
      syscalls: [
        { names: ["kill"], action: "SCMP_ACT_ERRNO", errnoRet: 10, args: [{ index: 0, value: 1, op: "SCMP_CMP_EQ" }] },
        { names: ["kill"], action: "SCMP_ACT_ERRNO", errnoRet: 11, args: [{ index: 1, value: 2, op: "SCMP_CMP_EQ" }] },
      ],
    }).program;
    expect(call(byArg, "kill", [1n, 2n])).toBe(errno(11));
    expect(call(byArg, "kill", [1n, 3n])).toBe(errno(10));
    const byOp = compile({
      defaultAction: "SCMP_ACT_ALLOW",
      syscalls: [
        { names: ["kill"], action: "SCMP_ACT_ERRNO", errnoRet: 20, args: [{ index: 0, value: 1, op: "SCMP_CMP_GT" }] },
        { names: ["kill"], action: "SCMP_ACT_ERRNO", errnoRet: 21, args: [{ index: 0, value: 9, op: "SCMP_CMP_LT" }] },
        { names: ["kill"], action: "SCMP_ACT_ERRNO", errnoRet: 22, args: [{ index: 0, value: 5, op: "SCMP_CMP_EQ" }] },
      ],
    }).program;
    expect([5n, 3n, 12n, 0n].map((a) => call(byOp, "kill", [a]))).toEqual([errno(22), errno(21), errno(20), errno(21)]);
  });
});

const dockerSeccomp = () => (JSON.parse(readFileSync(join(import.meta.dir, "../../../fixtures/configs/docker.json"), "utf8")) as { linux: { seccomp: object } }).linux.seccomp;
type Entry = { names: string[]; action: string; args?: unknown[] };

/** Every name the profile allows without conditions, on an architecture whose table has it, gets ALLOW. */
const expectAllAllowed = (program: Uint8Array, entries: Entry[], tables: [keyof typeof SECCOMP_ARCH, number][]): number => {
  let checked = 0;
  for (const e of entries.filter((e) => e.action === "SCMP_ACT_ALLOW" && !e.args?.length))
    for (const name of e.names)
      for (const [table, arch] of tables) {
        const n = syscallTable(table).get(name);
        if (n === undefined) continue;
        expect([table, name, verdict(program, { nr: n, arch })]).toEqual([table, name, ALLOW]);
        checked++;
      }
  return checked;
};

describe("Docker's default profile (captured from dockerd 20.10, tests/fixtures/configs/docker.json)", () => {
  const seccomp = dockerSeccomp();
  const { program } = compile(seccomp);

  test("allows every syscall it lists, on x86_64, x86 and x32", () => {
    const n = expectAllAllowed(program, (seccomp as { syscalls: Entry[] }).syscalls, [["SCMP_ARCH_X86_64", X86_64], ["SCMP_ARCH_X86", I386], ["SCMP_ARCH_X32", X86_64]]);
    expect(n).toBeGreaterThan(900);
  });

  test("answers the rest with its errno: unshare, mount, keyctl get EPERM, clone3 ENOSYS", () => {
    for (const name of ["unshare", "mount", "keyctl", "add_key", "setns", "bpf"]) expect([name, call(program, name)]).toEqual([name, errno(1)]);
    expect(call(program, "clone3")).toBe(errno(38));
    expect(call(program, "mount", [], I386, "SCMP_ARCH_X86")).toBe(errno(1));
  });

  test("refuses clone with namespace flags by its argument rule, and allows a plain clone", () => {
    const CLONE_NEWNS = 0x20000n;
    const CLONE_NEWUSER = 0x10000000n;
    const plain = 0x01200011n; // CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | SIGCHLD, as fork() does
    expect(call(program, "clone", [plain])).toBe(ALLOW);
    expect(call(program, "clone", [plain | CLONE_NEWNS])).toBe(errno(1));
    expect(call(program, "clone", [plain | CLONE_NEWUSER])).toBe(errno(1));
    // Only the low word holds flags: bits above it are not namespace flags.
    expect(call(program, "clone", [plain | (CLONE_NEWNS << 32n)])).toBe(ALLOW);
    expect(call(program, "personality", [8n])).toBe(ALLOW);
    expect(call(program, "personality", [1n])).toBe(errno(1));
  });

  test("compiles on aarch64 too, where its x86 architectures never run", () => {
    const arm = compile(seccomp, "arm64");
    expect(arm.profile.foreign).toEqual(["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]);
    expect(call(arm.program, "openat", [], AARCH64, "SCMP_ARCH_AARCH64")).toBe(ALLOW);
    expect(call(arm.program, "unshare", [], AARCH64, "SCMP_ARCH_AARCH64")).toBe(errno(1));
  });

  test("decides within a few dozen instructions, though x86_64 and x32 share ~700 numbers (a binary search)", () => {
    const steps = [...syscallTable("SCMP_ARCH_X86_64").values()].map((n) => run(program, { nr: n, arch: X86_64 }).steps);
    // The worst is personality's five argument rules.
    expect(Math.max(...steps)).toBeLessThan(40);
  });
});

const fixture = (name: string) => JSON.parse(readFileSync(join(import.meta.dir, "../../../fixtures/configs", name), "utf8"));

describe("podman's default profile (as podman 4.3 hands it over, tests/fixtures/configs/podman.json)", () => {
  const seccomp = fixture("podman.json").linux.seccomp;
  const { program } = compile(seccomp);

  test("allows every syscall it lists, on x86_64, x86 and x32", () => {
    expect(expectAllAllowed(program, seccomp.syscalls as Entry[], [["SCMP_ARCH_X86_64", X86_64], ["SCMP_ARCH_X86", I386], ["SCMP_ARCH_X32", X86_64]])).toBeGreaterThan(900);
  });

  test("answers what it does not list with its default errno (ENOSYS), what it denies with EPERM", () => {
    expect(call(program, "add_key")).toBe(errno(38));
    expect(call(program, "kexec_load")).toBe(errno(1));
    // Denied by an entry for bounding sets without CAP_SYS_ADMIN; setns has such an entry too, but its first,
    // unconditional one allows it, and the first unconditional rule wins.
    expect(call(program, "bpf")).toBe(errno(1));
    expect(call(program, "setns")).toBe(ALLOW);
  });
});

const podmanMissing = podmanProfileMissing();
if (podmanMissing) console.log(`SKIP podman's profile file: ${podmanMissing}`);

describe.skipIf(!!podmanMissing)("podman's profile file (/usr/share/containers/seccomp.json), resolved by the tests' converter", () => {
  test("resolves as podman itself resolved it for the captured container", () => {
    const captured = fixture("podman.json");
    expect(podmanSeccomp(captured.process.capabilities.bounding)).toEqual(captured.linux.seccomp);
  });

  test("without CAP_AUDIT_WRITE, refuses audit netlink sockets (EINVAL) and allows other sockets", () => {
    const bounding = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SETFCAP", "CAP_SETGID", "CAP_SETPCAP", "CAP_SETUID", "CAP_SYS_CHROOT"];
    const { program } = compile(podmanSeccomp(bounding));
    const AF_NETLINK = 16n;
    const NETLINK_AUDIT = 9n;
    expect(call(program, "socket", [AF_NETLINK, 3n, NETLINK_AUDIT])).toBe(errno(22));
    expect(call(program, "socket", [AF_NETLINK, 3n, 0n])).toBe(ALLOW);
    expect(call(program, "socket", [2n, 1n, 0n])).toBe(ALLOW);
  });
});

describe("compileSeccomp(): program size", () => {
  const names = [...syscallTable("SCMP_ARCH_X86_64").keys()];
  /** `rules` rules of six equality tests on `write`, beside an allow list of every other syscall. */
  const huge = (rules: number) => ({
    defaultAction: "SCMP_ACT_ERRNO",
    syscalls: [
      { names: names.filter((n) => n !== "write"), action: "SCMP_ACT_ALLOW" },
      ...Array.from({ length: rules }, (_, r) => ({
        names: ["write"],
        action: "SCMP_ACT_TRACE",
        errnoRet: r,
        args: Array.from({ length: 6 }, (_, i) => ({ index: i, value: r * 10 + i, op: "SCMP_CMP_EQ" })),
      })),
    ],
  });

  test("a profile far longer than 255 instructions keeps every jump in range, through trampolines where needed", () => {
    const { program } = compile(huge(60));
    const insns = decodeProgram(program);
    expect(insns.length).toBeGreaterThan(1500);
    expect(insns.filter((i) => i.code === 0x05).length).toBeGreaterThan(0);
    for (const r of [0, 31, 59]) expect(call(program, "write", Array.from({ length: 6 }, (_, i) => BigInt(r * 10 + i)))).toBe(SECCOMP_RET.TRACE | r);
    expect(call(program, "write", [0n, 1n, 2n, 3n, 4n, 6n])).toBe(errno(1));
    for (const name of names.filter((n) => n !== "write")) expect(call(program, name)).toBe(ALLOW);
  });

  test("a profile beyond the kernel's 4096 instructions is refused with the count", () => {
    expect(() => compile(huge(200))).toThrow(/needs \d+ instructions; the kernel loads at most 4096/);
  });
});

describe("seccomp data the kernel could send", () => {
  test("any architecture and syscall number gets a verdict (the program is total)", () => {
    const { program } = compile(dockerSeccomp());
    const archs = [X86_64, I386, AARCH64, ARM, MIPSEL, 0, 0xffffffff];
    const data: SeccompData[] = archs.flatMap((arch) => [0, 1, 59, 300, 511, 1000, X32_SYSCALL_BIT, X32_SYSCALL_BIT + 512, -1, 0x7fffffff].map((n) => ({ nr: n, arch })));
    for (const d of data) expect(typeof verdict(program, d)).toBe("number");
  });
});
