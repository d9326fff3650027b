import { describe, expect, test } from "bun:test";
import { CLONE, MS, O } from "../../../../ffi/constants.ts";
import { LineChannel } from "../../../../runtime/process/channel.ts";
import type { StagePlan } from "../../../../runtime/process/plan.ts";
import { finishAndExec, prepareContainer } from "../../../../runtime/process/stage.ts";
import { fakeFs } from "../../fakes/fs-tree.ts";
import { recordingSyscalls } from "../../fakes/syscalls.ts";

const ROOTFS = "/b/rootfs";

/** The file system the stage sees: a bundle with an empty rootfs. */
const files = () => {
  const fs = fakeFs();
  fs.dir(`${ROOTFS}/bin`);
  return fs.sys;
};

const plan = (over: Partial<StagePlan> = {}): StagePlan => {
  const rootfs = ROOTFS;
  return {
    id: "t", bundle: "/b", rootfs, unshareFlags: CLONE.NEWNS | CLONE.NEWUTS, early: [], join: [], newUserNamespace: false, spawnInit: false,
    newCgroupNamespace: false, newMountNamespace: true, rootPropagation: MS.SLAVE | MS.REC, readonlyRoot: false,
    mounts: [], populateDev: false, bindDevices: false, devices: [], maskedPaths: [], readonlyPaths: [], hostname: "box",
    domainname: null, sysctl: {}, timeOffsets: null, oomScoreAdj: null, rlimits: [], capabilities: null,
    noNewPrivileges: false, scheduler: null, ioPriority: null, personality: null, apparmorProfile: null,
    cpuAffinity: { initial: null, final: null }, user: { uid: 0, gid: 0, additionalGids: [], umask: null }, cwd: "/", args: ["no-such-program-in-any-path"],
    env: [], terminal: false, consoleSocket: null, consoleSize: null, execFifo: "/run/x/exec.fifo",
    cgroupProcs: ["/sys/fs/cgroup/memory/x/cgroup.procs"], hostFds: { cgroupProcs: [5], execFifo: 6, consoleSocket: null }, cgroupDirs: [], cgroupV2: false, pauseForHooks: false,
    hooks: { createContainer: [], startContainer: [] }, stateJson: "{}",
    ...over,
  };
};

describe("prepareContainer()", () => {
  test("unshares, names the host, mounts and switches root; host files come from the parent", () => {
    const r = recordingSyscalls();
    const p = plan();
    expect(() => prepareContainer(r.sys, files(), p, new LineChannel(r.sys, 1, 2))).toThrow("find executable");
    expect(r.names()).toEqual(["unshare", "sethostname", "mount", "mountTable", "mount", "chdir", "pivotRoot", "mount", "umount2", "chdir"]);
    expect(r.calls[0]!.args).toEqual([CLONE.NEWNS | CLONE.NEWUTS]);
  });

  test("does not join the cgroup early without a cgroup namespace, so the stage's memory is not charged", () => {
    const r = recordingSyscalls();
    expect(() => prepareContainer(r.sys, files(), plan(), new LineChannel(r.sys, 1, 2))).toThrow();
    expect(r.names()).not.toContain("writeAll");
  });

  test("joins the cgroup before making a cgroup namespace, so the namespace is rooted at the container's cgroup", () => {
    const r = recordingSyscalls();
    const p = plan({ newCgroupNamespace: true, unshareFlags: CLONE.NEWNS | CLONE.NEWCGROUP });
    expect(() => prepareContainer(r.sys, files(), p, new LineChannel(r.sys, 1, 2))).toThrow();
    const names = r.names();
    expect(names.indexOf("writeAll")).toBeLessThan(names.indexOf("unshare"));
  });

  test("waits for the parent's id mappings after making a user namespace", () => {
    const r = recordingSyscalls();
    r.feed(1, '{"t":"continue"}\n');
    const p = plan({ newUserNamespace: true, early: [{ kind: "new-user" }], unshareFlags: CLONE.NEWUSER | CLONE.NEWNS });
    expect(() => prepareContainer(r.sys, files(), p, new LineChannel(r.sys, 1, 2))).toThrow();
    const names = r.names();
    // The user namespace itself was made before the plan was read (early.ts); the others once mapped.
    expect(names.slice(0, 5)).toEqual(["writeAll", "read", "setresgid", "setresuid", "unshare"]);
    expect(String(r.calls[0]!.args[1])).toContain('"t":"userns-ready"');
    expect(r.calls[4]!.args).toEqual([CLONE.NEWNS]);
  });

  test("fails with the step and the mount destination when a mount fails", () => {
    const r = recordingSyscalls();
    r.failNext("mount", "ENODEV", 1, (a) => a[2] === "mqueue");
    const p = plan({
      mounts: [
        { source: "mqueue", fstype: "mqueue", flags: 0, data: null, propagation: [], targetIsFile: false, destination: "/dev/mqueue", recursiveAttrs: null, kind: "plain" },
      ],
    });
    let err: unknown;
    try {
      prepareContainer(r.sys, files(), p, new LineChannel(r.sys, 1, 2));
    } catch (e) {
      err = e;
    }
    expect((err as { step: string }).step).toBe("mount");
    expect(String((err as Error).cause)).toContain("Mount of '/dev/mqueue' failed");
  });

  test("opens every namespace file before joining any, and gets an fs_struct of its own for the mount namespace", () => {
    const r = recordingSyscalls();
    const join = [
      { path: "/proc/7/ns/mnt", flag: CLONE.NEWNS },
      { path: "/proc/7/ns/cgroup", flag: CLONE.NEWCGROUP },
    ];
    expect(() => prepareContainer(r.sys, files(), plan({ join, newMountNamespace: false, unshareFlags: 0 }), new LineChannel(r.sys, 1, 2))).toThrow();
    expect(r.calls.slice(0, 7)).toEqual([
      { name: "open", args: ["/proc/7/ns/mnt", O.RDONLY | O.CLOEXEC] },
      { name: "open", args: ["/proc/7/ns/cgroup", O.RDONLY | O.CLOEXEC] },
      { name: "unshare", args: [CLONE.FS] },
      { name: "setns", args: [10, CLONE.NEWNS] },
      { name: "close", args: [10] },
      { name: "setns", args: [11, CLONE.NEWCGROUP] },
      { name: "close", args: [11] },
    ]);
  });

  test("pins itself to execCPUAffinity.initial before anything else, so the setup work runs there", () => {
    const r = recordingSyscalls();
    expect(() => prepareContainer(r.sys, files(), plan({ cpuAffinity: { initial: [0, 2], final: null } }), new LineChannel(r.sys, 1, 2))).toThrow();
    expect(r.calls[0]).toEqual({ name: "schedSetaffinity", args: [[0, 2]] });
  });

  test("falls back from pivot_root on an initramfs root", () => {
    const r = recordingSyscalls();
    r.failNext("pivotRoot", "EINVAL");
    expect(() => prepareContainer(r.sys, files(), plan(), new LineChannel(r.sys, 1, 2))).toThrow("find executable");
    expect(r.names()).toContain("chroot");
  });
});

describe("finishAndExec()", () => {
  test("sets affinity, scheduler, I/O priority, personality and AppArmor after joining the cgroup, before dropping privileges", () => {
    const r = recordingSyscalls();
    const p = plan({
      cpuAffinity: { initial: [0], final: [1] },
      scheduler: { policy: 3, flags: "0", nice: 5, priority: 0, runtime: "0", deadline: "0", period: "0" },
      ioPriority: (2 << 13) | 4,
      personality: 0x8,
      apparmorProfile: "p",
      user: { uid: 1000, gid: 1000, additionalGids: [], umask: null },
    });
    expect(() => finishAndExec(r.sys, p, "/bin/true", -1, [5])).toThrow("execve");
    const names = r.names();
    const at = (n: string) => names.indexOf(n as never);
    expect(at("writeAll")).toBeLessThan(at("schedSetaffinity"));
    expect(names.slice(at("schedSetaffinity"), at("schedSetaffinity") + 7)).toEqual(["schedSetaffinity", "schedSetattr", "ioprioSet", "personality", "open", "writeAll", "close"]);
    expect(at("close")).toBeLessThan(at("setresuid"));
    expect(r.calls[at("schedSetattr")]!.args[0]).toEqual({ policy: 3, flags: 0n, nice: 5, priority: 0, runtime: 0n, deadline: 0n, period: 0n });
    expect(r.calls[at("schedSetaffinity")]!.args[0]).toEqual([1]);
  });
});
