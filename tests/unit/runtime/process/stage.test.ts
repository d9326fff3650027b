import { describe, expect, test } from "bun:test";
import { CLONE, MS, O, PR, SECCOMP_FILTER_FLAG } from "../../../../ffi/constants.ts";
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
    noNewPrivileges: false, seccomp: null, user: { uid: 0, gid: 0, additionalGids: [], umask: null }, cwd: "/", args: ["no-such-program-in-any-path"],
    env: [], terminal: false, consoleSocket: null, consoleSize: null, execFifo: "/run/x/exec.fifo",
    cgroupProcs: ["/sys/fs/cgroup/memory/x/cgroup.procs"], hostFds: { cgroupProcs: [5], execFifo: 6, consoleSocket: null, idmappedMounts: [] }, cgroupDirs: [], cgroupV2: false, pauseForHooks: false,
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
        { source: "mqueue", fstype: "mqueue", flags: 0, data: null, propagation: [], targetIsFile: false, destination: "/dev/mqueue", recursiveAttrs: null, copyUp: false, idmapFd: null, kind: "plain" },
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

  test("falls back from pivot_root on an initramfs root", () => {
    const r = recordingSyscalls();
    r.failNext("pivotRoot", "EINVAL");
    expect(() => prepareContainer(r.sys, files(), plan(), new LineChannel(r.sys, 1, 2))).toThrow("find executable");
    expect(r.names()).toContain("chroot");
  });
});

describe("the seccomp filter in the setup stage", () => {
  const filter = { program: Buffer.from([6, 0, 0, 0, 0, 0, 0xff, 0x7f]).toString("base64"), flags: SECCOMP_FILTER_FLAG.TSYNC, listener: null };
  const exec = (r: ReturnType<typeof recordingSyscalls>, p: StagePlan, listener: Parameters<typeof finishAndExec>[5] = null): string[] => {
    expect(() => finishAndExec(r.sys, p, "/bin/true", -1, [], listener)).toThrow("execve");
    return r.names();
  };

  test("with no_new_privs goes in after the identity, last before execve", () => {
    const r = recordingSyscalls();
    const names = exec(r, plan({ seccomp: filter, noNewPrivileges: true, user: { uid: 1000, gid: 1000, additionalGids: [], umask: null } }));
    expect(names.slice(-3)).toEqual(["closeRangeCloexec", "loadSeccompFilter", "execve"]);
    const nnp = r.calls.findIndex((c) => c.name === "prctl" && c.args[0] === PR.SET_NO_NEW_PRIVS);
    expect(nnp).toBeGreaterThan(names.indexOf("setresuid"));
    expect(nnp).toBeLessThan(names.indexOf("loadSeccompFilter"));
    const load = r.calls.find((c) => c.name === "loadSeccompFilter")!;
    expect([...(load.args[0] as Uint8Array)]).toEqual([6, 0, 0, 0, 0, 0, 0xff, 0x7f]);
    expect(load.args[1]).toBe(SECCOMP_FILTER_FLAG.TSYNC);
  });

  test("without no_new_privs goes in while the stage still has CAP_SYS_ADMIN: before the user and capabilities change", () => {
    const r = recordingSyscalls();
    const names = exec(r, plan({ seccomp: filter, noNewPrivileges: false, user: { uid: 1000, gid: 1000, additionalGids: [], umask: null } }));
    expect(names.indexOf("loadSeccompFilter")).toBeLessThan(names.indexOf("prctl"));
    expect(names.indexOf("loadSeccompFilter")).toBeLessThan(names.indexOf("setresuid"));
    expect(names.filter((n) => n === "loadSeccompFilter")).toHaveLength(1);
  });

  test("is not loaded when the config has none", () => {
    const r = recordingSyscalls();
    expect(exec(r, plan())).not.toContain("loadSeccompFilter");
  });

  test("reaches its listener before the root switch, and sends it the notify fd with the container process state", () => {
    const r = recordingSyscalls();
    const notify = { ...filter, flags: SECCOMP_FILTER_FLAG.NEW_LISTENER, listener: { path: "/run/agent.sock", metadata: "m=1" } };
    const p = plan({ seccomp: notify, noNewPrivileges: true, stateJson: JSON.stringify({ ociVersion: "1.2.0", id: "t", status: "creating", pid: 0, bundle: "/b", annotations: { a: "b" } }) });
    try {
      prepareContainer(r.sys, files(), p, new LineChannel(r.sys, 1, 2));
    } catch {
      // "find executable": the fake has no program to find; the listener was reached before.
    }
    const names = r.names();
    expect(names.indexOf("connectUnix")).toBeLessThan(names.indexOf("pivotRoot"));
    expect(r.calls.find((c) => c.name === "connectUnix")!.args).toEqual(["/run/agent.sock"]);
    const after = recordingSyscalls();
    exec(after, p, { fd: 91, pid: 4242 });
    const sent = after.calls.find((c) => c.name === "sendFd")!;
    expect(sent.args.slice(0, 2)).toEqual([91, 92]);
    expect(JSON.parse(Buffer.from(sent.args[2] as Uint8Array).toString())).toEqual({
      ociVersion: "1.2.0",
      fds: ["seccompFd"],
      pid: 4242,
      metadata: "m=1",
      state: { ociVersion: "1.2.0", id: "t", status: "created", pid: 4242, bundle: "/b", annotations: { a: "b" } },
    });
    const tail = after.names().slice(after.names().indexOf("loadSeccompFilter"));
    expect(tail).toEqual(["loadSeccompFilter", "sendFd", "close", "close", "execve"]);
    expect(after.calls.filter((c) => c.name === "close").map((c) => c.args[0])).toEqual([92, 91]);
  });

  test("a failed load fails the step that names it", () => {
    const r = recordingSyscalls();
    r.failNext("loadSeccompFilter", "EINVAL");
    let err: unknown;
    try {
      finishAndExec(r.sys, plan({ seccomp: filter, noNewPrivileges: true }), "/bin/true", -1, [], null);
    } catch (e) {
      err = e;
    }
    expect((err as { step: string }).step).toBe("load seccomp filter");
    expect(r.names()).not.toContain("execve");
  });
});
