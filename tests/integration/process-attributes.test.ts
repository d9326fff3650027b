// process.scheduler, process.ioPriority, linux.personality, process.execCPUAffinity and process.apparmorProfile,
// each seen from inside the container (they were accepted and dropped before), and the values the kernel would refuse.
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { cpus } from "node:os";
import { makeBundle, type TestConfig } from "../support/bundle.ts";
import { bunker, newRoot, skipReason } from "../support/cli.ts";

const skip = skipReason();
if (skip) console.log(`SKIP process-attributes: ${skip}`);

/** Fields 40 and 41 of /proc/PID/stat: rt_priority and policy (19 is nice). */
const STAT = "cut -d' ' -f19,40,41";

describe.skipIf(!!skip)("process attributes", () => {
  const root = newRoot();
  const bundles: string[] = [];
  afterAll(() => {
    for (const b of bundles) rmSync(b, { recursive: true, force: true });
    rmSync(root, { recursive: true, force: true });
  });
  const run = (id: string, args: string[], edit: (c: TestConfig) => unknown) => {
    const b = makeBundle(args, edit);
    bundles.push(b);
    return bunker(root, ["run", "--bundle", b, id]);
  };
  const withProcess = (extra: Record<string, unknown>) => (c: TestConfig) => ({ ...c, process: { ...c.process, ...extra } });

  test("process.scheduler: SCHED_BATCH with a nice value", () => {
    const r = run("batch", ["sh", "-c", `${STAT} /proc/self/stat`], withProcess({ scheduler: { policy: "SCHED_BATCH", nice: 5 } }));
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("5 0 3\n");
  });

  test("process.scheduler: SCHED_FIFO with SCHED_FLAG_RESET_ON_FORK, so a child is back to SCHED_OTHER", () => {
    // A real-time task can only join a cgroup with a real-time budget (CONFIG_RT_GROUP_SCHED).
    const r = run("fifo", ["sh", "-c", `${STAT} /proc/$$/stat; ${STAT} /proc/self/stat; true`], (c) => ({
      ...withProcess({ scheduler: { policy: "SCHED_FIFO", priority: 10, flags: ["SCHED_FLAG_RESET_ON_FORK"] } })(c),
      linux: { ...c.linux, resources: { cpu: { realtimeRuntime: 10000, realtimePeriod: 1000000 } } },
    }));
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("0 10 1\n0 0 0\n");
  });

  test("process.scheduler: SCHED_DEADLINE with runtime, deadline and period", () => {
    const r = run("deadline", ["cat", "/proc/self/sched"], withProcess({ scheduler: { policy: "SCHED_DEADLINE", runtime: 42000, deadline: 1000000, period: 1000000 } }));
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/^policy\s+:\s+6$/m);
  });

  test("process.ioPriority: the class and level the program runs with", () => {
    const r = run("ioprio", ["ionice", "-p", "1"], withProcess({ ioPriority: { class: "IOPRIO_CLASS_BE", priority: 6 } }));
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("best-effort: prio 6\n");
    expect(run("ioidle", ["ionice", "-p", "1"], withProcess({ ioPriority: { class: "IOPRIO_CLASS_IDLE", priority: 0 } })).stdout).toBe("idle\n");
  });

  test("linux.personality: LINUX32 with ADDR_NO_RANDOMIZE", () => {
    const r = run("per", ["sh", "-c", "cat /proc/self/personality; uname -m"], (c) => ({ ...c, linux: { ...c.linux, personality: { domain: "LINUX32", flags: ["ADDR_NO_RANDOMIZE"] } } }));
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(`00040008\n${process.arch === "arm64" ? "armv8l" : "i686"}\n`);
  });

  test("process.execCPUAffinity: the final CPUs the program runs on", () => {
    if (cpus().length < 2) {
      console.log("SKIP execCPUAffinity: needs 2 CPUs to tell a pinned affinity from the default");
      return;
    }
    const r = run("affinity", ["grep", "Cpus_allowed_list", "/proc/self/status"], withProcess({ execCPUAffinity: { initial: "0", final: "1" } }));
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/^Cpus_allowed_list:\s+1$/m);
  });

  test("what the kernel would refuse after start is refused at create, naming the field", () => {
    const cases: [string, Record<string, unknown>, string][] = [
      ["iso", { scheduler: { policy: "SCHED_ISO" } }, "/process/scheduler/policy"],
      ["nopri", { scheduler: { policy: "SCHED_FIFO" } }, "/process/scheduler/priority"],
      ["pri", { scheduler: { policy: "SCHED_OTHER", priority: 5 } }, "/process/scheduler/priority"],
      ["flag", { scheduler: { policy: "SCHED_OTHER", flags: ["SCHED_FLAG_FOO"] } }, "/process/scheduler/flags/0"],
      ["dl", { scheduler: { policy: "SCHED_DEADLINE", runtime: 2000000, deadline: 1000000 } }, "/process/scheduler/deadline"],
      ["dlbit63", { scheduler: { policy: "SCHED_DEADLINE", runtime: 2 ** 63, deadline: 2 ** 63 } }, "/process/scheduler/runtime"],
      ["ioclass", { ioPriority: { class: "IOPRIO_CLASS_NONE", priority: 0 } }, "/process/ioPriority/class"],
      ["iolevel", { ioPriority: { class: "IOPRIO_CLASS_BE", priority: 8 } }, "/process/ioPriority/priority"],
      ["cpus", { execCPUAffinity: { final: "3-1" } }, "/process/execCPUAffinity/final"],
    ];
    for (const [id, extra, field] of cases) {
      const r = run(`bad-${id}`, ["true"], withProcess(extra));
      expect({ id, code: r.code }).toEqual({ id, code: 1 });
      expect(r.stderr.trimEnd().split("\n")).toEqual([expect.stringContaining(field)]);
    }
    const r = run("bad-per", ["true"], (c) => ({ ...c, linux: { ...c.linux, personality: { domain: "LINUX", flags: ["NO_SUCH_FLAG"] } } }));
    expect(r.stderr).toContain("/linux/personality/flags/0");
    expect(readdirSync(root).filter((f) => f !== "journal")).toEqual([]);
  });

  const apparmor = existsSync("/sys/kernel/security/apparmor") && readFileSync("/sys/module/apparmor/parameters/enabled", "utf8").startsWith("Y");

  test.if(!apparmor)("process.apparmorProfile without AppArmor on the host is refused as runc fails it, not ignored", () => {
    const r = run("aa", ["true"], withProcess({ apparmorProfile: "bunker-test" }));
    expect(r.code).toBe(1);
    expect(r.stderr.trimEnd().split("\n")).toEqual(["bunker: process.apparmorProfile 'bunker-test': AppArmor is not enabled on this host"]);
    expect(readdirSync(root).filter((f) => f !== "journal")).toEqual([]);
  });

  const parser = Bun.spawnSync(["sh", "-c", "command -v apparmor_parser"]).exitCode === 0;
  test.if(apparmor && parser)("process.apparmorProfile: the program runs under the profile", () => {
    const profile = "profile bunker-test flags=(attach_disconnected) {\n  file,\n  capability,\n}\n";
    expect(Bun.spawnSync(["apparmor_parser", "-r"], { stdin: Buffer.from(profile) }).exitCode).toBe(0);
    try {
      // Without no_new_privs: some kernels refuse a transition out of unconfined under it.
      const r = run("aa", ["cat", "/proc/self/attr/current"], withProcess({ apparmorProfile: "bunker-test", noNewPrivileges: false }));
      expect(r.stderr).toBe("");
      expect(r.stdout.trim()).toBe("bunker-test (enforce)");
    } finally {
      Bun.spawnSync(["apparmor_parser", "-R"], { stdin: Buffer.from(profile) });
    }
  });
  if (!apparmor) console.log("process-attributes: AppArmor is not enabled on this host, so the refusal is tested, not a profile");
  else if (!parser) console.log("process-attributes: AppArmor is enabled but apparmor_parser (package apparmor) is missing: the profile cannot be loaded");
});
