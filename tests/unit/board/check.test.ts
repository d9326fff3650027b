import { afterAll, describe, expect, test } from "bun:test";
import { Value } from "@sinclair/typebox/value";
import { boardCheck } from "../../../board/check.ts";
import { CheckReportSchema, renderText } from "../../../board/check/report.ts";
import { a53Board, fakeProbes, fakeView, removeTrees, type Tree } from "./check/fake-system.ts";

afterAll(removeTrees);

const without = (tree: Tree, ...paths: string[]): Tree => Object.fromEntries(Object.entries(tree).filter(([p]) => !paths.includes(p)));
const statusOf = (tree: Tree, id: string, probes = fakeProbes()) => {
  const found = boardCheck(fakeView(tree, probes)).items.find((i) => i.id === id);
  if (!found) throw new Error(`No item '${id}' in the report`);
  return found;
};

describe("boardCheck()", () => {
  test("passes the emulated Cortex-A53 board and names what its ARMv8.0 core lacks", () => {
    const report = boardCheck(fakeView(a53Board()));
    expect(report.ok).toBe(true);
    expect(report).toMatchObject({ kernel: "6.1.0-57-arm64", arch: "aarch64" });
    const notOk = report.items.filter((i) => i.status !== "ok").map((i) => `${i.id}=${i.status}`);
    expect(notOk).toEqual(["kernel.config=degraded", "cpu.lse-atomics=degraded", "cgroup.devices=degraded", "memory.zswap=degraded", "network.cni=missing", "network.shaping=degraded", "checkpoint.incremental=missing"]);
    expect(report.items.find((i) => i.id === "cpu.lse-atomics")!.loss).toContain("SIGILL");
  });

  test("produces a report that matches its JSON schema", () => {
    expect(Value.Check(CheckReportSchema, boardCheck(fakeView(a53Board())))).toBe(true);
  });

  test("fails when a required namespace is missing, and says what is lost", () => {
    const report = boardCheck(fakeView(without(a53Board(), "/proc/self/ns/pid")));
    expect(report.ok).toBe(false);
    expect(report.items.find((i) => i.id === "namespace.pid")).toMatchObject({ status: "missing", required: true, loss: expect.stringContaining("signal") });
  });

  test("reports a namespace kind disabled by a zero limit as missing", () => {
    const item = statusOf({ ...a53Board(), "/proc/sys/user/max_user_namespaces": "0\n" }, "namespace.user");
    expect(item).toMatchObject({ status: "missing", detail: "present, max_user_namespaces=0: disabled by its limit" });
  });

  test("tells v2, hybrid and v1 layouts apart and reads v1 controllers from /proc/cgroups", () => {
    const hybrid = {
      ...a53Board(),
      "/proc/self/mountinfo": [
        "30 25 0:26 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw",
        "31 25 0:27 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory",
        "32 25 0:28 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids",
        "33 25 0:29 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu,cpuacct",
      ].join("\n"),
      "/sys/fs/cgroup/unified/cgroup.controllers": "hugetlb\n",
      "/proc/cgroups": "#subsys_name\thierarchy\tnum_cgroups\tenabled\ncpu\t3\t1\t1\nmemory\t2\t1\t1\npids\t4\t1\t1\nfreezer\t0\t1\t1\n",
    };
    expect(statusOf(a53Board(), "cgroup.layout")).toMatchObject({ status: "ok", detail: "v2, cgroup2 at /sys/fs/cgroup" });
    expect(statusOf(hybrid, "cgroup.layout")).toMatchObject({ status: "degraded", detail: "hybrid, cgroup2 at /sys/fs/cgroup/unified" });
    expect(statusOf(hybrid, "cgroup.controller.memory")).toMatchObject({ status: "ok", detail: "cgroup v1" });
    // freezer is known to the kernel but bound to no hierarchy (hierarchy 0).
    expect(statusOf(hybrid, "cgroup.controller.io").status).toBe("missing");
    const v1 = { ...hybrid, "/proc/self/mountinfo": "31 25 0:27 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory" };
    expect(statusOf(v1, "cgroup.layout")).toMatchObject({ status: "degraded", detail: "v1" });
    expect(statusOf(v1, "cgroup.freezer").status).toBe("missing");
    expect(boardCheck(fakeView({ ...a53Board(), "/proc/self/mountinfo": "" })).ok).toBe(false);
  });

  test("finds cgroup.kill and memory.reclaim in a child cgroup, and their absence there", () => {
    expect(statusOf(a53Board(), "cgroup.kill")).toMatchObject({ status: "ok", detail: "present" });
    const old = without(a53Board(), "/sys/fs/cgroup/app/memory.reclaim");
    expect(statusOf(old, "cgroup.memory-reclaim")).toMatchObject({ status: "missing", detail: "absent" });
  });

  test("infers v2 features from the kernel release when no child cgroup exists", () => {
    const bare = without(a53Board(), "/sys/fs/cgroup/app/cgroup.procs", "/sys/fs/cgroup/app/cgroup.kill", "/sys/fs/cgroup/app/memory.reclaim", "/sys/fs/cgroup/app/memory.pressure");
    expect(statusOf(bare, "cgroup.kill")).toMatchObject({ status: "ok", detail: expect.stringContaining("kernel 6.1.0-57-arm64 has it") });
    expect(statusOf({ ...bare, "/proc/sys/kernel/osrelease": "5.15.0\n" }, "cgroup.memory-reclaim").status).toBe("missing");
  });

  test("reports PSI triggers from the probe, and tries them only on /proc/pressure/memory", () => {
    const probes = fakeProbes({ psi: { ok: false, errno: "EINVAL" } });
    expect(statusOf(a53Board(), "psi.trigger", probes)).toMatchObject({ status: "missing", detail: "writing a trigger failed: EINVAL" });
    expect(probes.calls.filter((c) => c.startsWith("psi"))).toEqual(["psi /proc/pressure/memory"]);
    const noPsi = without(a53Board(), "/proc/pressure/cpu", "/proc/pressure/memory", "/proc/pressure/io");
    const quiet = fakeProbes();
    expect(statusOf(noPsi, "psi", quiet).status).toBe("missing");
    expect(quiet.calls.some((c) => c.startsWith("psi"))).toBe(false);
  });

  test("lists the seccomp filter flags the kernel accepts and degrades on missing ones", () => {
    const item = statusOf(a53Board(), "seccomp.flags", fakeProbes({ seccompFlags: 1 | 2 | 4 | 8 }));
    expect(item).toMatchObject({ status: "degraded", detail: "tsync log spec_allow new_listener" });
    expect(item.loss).toContain("tsync_esrch, wait_killable_recv");
    expect(statusOf(without(a53Board(), "/proc/sys/kernel/seccomp/actions_avail"), "seccomp.filter").status).toBe("missing");
  });

  test("reports pidfd_open's errno when it fails", () => {
    expect(statusOf(a53Board(), "pidfd", fakeProbes({ pidfd: { ok: false, errno: "ENOSYS" } }))).toMatchObject({
      status: "missing",
      detail: "pidfd_open failed: ENOSYS",
    });
  });

  test("tells a loaded filesystem from a loadable module and from an absent one", () => {
    const tree = { ...a53Board(), "/proc/filesystems": "nodev\tproc\n\text4\n", "/lib/modules/6.1.0-57-arm64/modules.order": "kernel/fs/overlayfs/overlay.ko\n" };
    expect(statusOf(tree, "fs.overlay")).toMatchObject({ status: "degraded", detail: "module overlay not loaded (modprobe overlay)" });
    expect(statusOf(tree, "fs.erofs").status).toBe("missing");
    expect(statusOf({ ...tree, "/sys/module/erofs/refcnt": "0\n" }, "fs.erofs")).toMatchObject({ status: "ok", detail: "module erofs loaded" });
  });

  test("reads the kernel configuration from /proc/config.gz and uses CONFIG_CGROUP_BPF for device control", () => {
    const gz = Bun.gzipSync(Buffer.from("CONFIG_CGROUP_BPF=y\nCONFIG_PSI=y\n# CONFIG_X is not set\n"));
    const tree = { ...a53Board(), "/proc/config.gz": gz };
    expect(statusOf(tree, "kernel.config")).toMatchObject({ status: "ok", detail: "/proc/config.gz, 2 options" });
    expect(statusOf(tree, "cgroup.devices").status).toBe("ok");
    expect(statusOf(a53Board(), "cgroup.devices")).toMatchObject({ status: "degraded", detail: "cgroup v2; CONFIG_CGROUP_BPF unverified" });
  });

  test("accepts ARMv8.1 cores with LSE atomics and refuses an unsupported architecture", () => {
    const lse = { ...a53Board(), "/proc/cpuinfo": "processor\t: 0\nFeatures\t: fp asimd atomics\n" };
    expect(statusOf(lse, "cpu.lse-atomics").status).toBe("ok");
    const riscv = boardCheck(fakeView({ ...a53Board(), "/proc/sys/kernel/arch": "riscv64\n" }));
    expect(riscv.ok).toBe(false);
    expect(riscv.items.find((i) => i.id === "cpu.arch")!.status).toBe("missing");
  });
});

describe("renderText()", () => {
  test("groups items, marks missing ones and says what is lost", () => {
    const text = renderText(boardCheck(fakeView(without(a53Board(), "/proc/self/ns/net"))));
    expect(text).toContain("namespaces:\n");
    expect(text).toMatch(/network namespace\s+MISSING\s+\(required\) no \/proc\/self\/ns\/net/);
    expect(text).toContain("without it: containers share the board's network stack");
    expect(text.trim().split("\n").pop()).toMatch(/missing: a required feature is missing$/);
  });
});

describe("boardCheck() on process checkpoints", () => {
  const HOST_CRIU = [
    "Error (criu/vdso.c:381): vdso: Unexpected rt vDSO area bounds",
    "Error (criu/vdso.c:613): vdso: Failed to fill self vdso symtable",
    "Error (criu/kerndat.c:1615): kerndat_vdso_fill_symtable failed when initializing kerndat.",
    "Error (criu/crtools.c:260): Could not initialize kernel features detection.",
  ].join("\n");

  test("says ok when criu check looks good, and incremental dumps missing for want of soft-dirty on arm64", () => {
    const probes = fakeProbes();
    expect(statusOf(a53Board(), "checkpoint.process", probes)).toMatchObject({ status: "ok", detail: "criu 3.17.1: Looks good." });
    const inc = statusOf(a53Board(), "checkpoint.incremental", probes);
    expect(inc).toMatchObject({ status: "missing", required: false });
    expect(inc.detail).toContain("arm64 kernels have none");
    expect(inc.loss).toContain("no pre-dump");
    expect(probes.calls.filter((c) => c.startsWith("criu"))).toEqual(["criu check", "criu check --feature mem_dirty_track", "criu check", "criu check --feature mem_dirty_track"]);
  });

  test("names the vDSO failure of CRIU 3.17 on a 6.18 kernel plainly, as on the x86_64 host", () => {
    const probes = fakeProbes({ criu: () => ({ version: "3.17.1", ok: false, output: HOST_CRIU }) });
    const found = statusOf(a53Board(), "checkpoint.process", probes);
    expect(found.status).toBe("missing");
    expect(found.detail).toBe(
      "criu check failed: the installed CRIU cannot read the vDSO of kernel 6.1.0-57-arm64 (Debian's CRIU 3.17 fails so on kernel 6.18; CRIU 4.1 reads it): Error (criu/vdso.c:381): vdso: Unexpected rt vDSO area bounds",
    );
    expect(found.loss).toContain("starts the program afresh");
    expect(probes.calls).not.toContain("criu check --feature mem_dirty_track");
  });

  test("points at the loopback interface and the missing modules", () => {
    const says = (output: string) => statusOf(a53Board(), "checkpoint.process", fakeProbes({ criu: () => ({ version: "3.17.1", ok: false, output }) })).detail;
    expect(says("Error (criu/kerndat.c:1034): kerndat_tcp_repair: connect: Network is unreachable")).toStartWith("criu check failed: the loopback interface is down");
    expect(says("Error (criu/sockets.c:803): Can't collect unix sockets")).toContain("socket diag modules");
    expect(says("Error (criu/util.c:640): exited, status=3\nError (criu/net.c:1): iptables-restore failed")).toContain("netfilter modules");
  });

  test("says what is missing without criu, and degraded when criu finds optional features missing", () => {
    expect(statusOf(a53Board(), "checkpoint.process", fakeProbes({ criu: () => undefined }))).toMatchObject({ status: "missing", detail: "criu is not installed (Debian: apt-get install criu)" });
    const partial = fakeProbes({ criu: () => ({ version: "3.17.1", ok: true, output: "Looks good but some kernel features are missing\nwhich, depending on your process tree, may cause\ndump or restore failure." }) });
    expect(statusOf(a53Board(), "checkpoint.process", partial).status).toBe("degraded");
  });
});
