import { describe, expect, test } from "bun:test";
import { CLONE, MS, O, PR, SECCOMP_FILTER_FLAG } from "../../../../ffi/constants.ts";
import { LineChannel } from "../../../../runtime/process/channel.ts";
import type { StagePlan } from "../../../../runtime/process/plan.ts";
import { awaitStart, finishAndExec, prepareContainer, type Prepared } from "../../../../runtime/process/stage.ts";
import type { StageMessage } from "../../../../runtime/process/messages.ts";
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
    id: "t", bundle: "/b", rootfs, unshareFlags: CLONE.NEWNS | CLONE.NEWUTS, early: [], join: [], newUserNamespace: false, spawnInit: false, spawnProcess: false,
    newCgroupNamespace: false, newMountNamespace: true, rootPropagation: MS.SLAVE | MS.REC, readonlyRoot: false,
    mounts: [], populateDev: false, bindDevices: false, devices: [], maskedPaths: [], readonlyPaths: [], hostname: "box",
    domainname: null, sysctl: {}, timeOffsets: null, rlimits: [], capabilities: null,
    noNewPrivileges: false, seccomp: null, scheduler: null, ioPriority: null, personality: null, apparmorProfile: null,
    cpuAffinity: { initial: null, final: null }, user: { uid: 0, gid: 0, additionalGids: [], umask: null }, cwd: "/", args: ["no-such-program-in-any-path"],
    env: [], terminal: false, nullStdio: false, consoleSocket: null, consoleSize: null,
    cgroupProcs: ["/sys/fs/cgroup/memory/x/cgroup.procs"], hostFds: { cgroupProcs: [6], start: 7, consoleSocket: null, idmappedMounts: [] }, cgroupDirs: [], cgroupV2: false, pauseForHooks: false,
    hooks: { createContainer: [], startContainer: [] }, stateJson: "{}",
    ...over,
  };
};

// Each run of the stage goes through every setup step and ends where the plan's program cannot be found
// ("find executable"): a test that stops earlier fails on the message, not only on the calls it checks.
describe("prepareContainer()", () => {
  test("unshares, names the host, mounts and switches root; host files come from the parent", () => {
    const r = recordingSyscalls();
    const p = plan();
    expect(() => prepareContainer(r.sys, files(), p, new LineChannel(r.sys, 1, 2))).toThrow("find executable");
    expect(r.names()).toEqual(["unshare", "sethostname", "mount", "mountTable", "mount", "chdir", "pivotRoot", "mount", "umount2", "chdir"]);
    expect(r.calls[0]!.args).toEqual([CLONE.NEWNS | CLONE.NEWUTS]);
  });

  test("joins the cgroup as the last step of create, so that what the stage touched before stays the caller's", () => {
    const r = recordingSyscalls();
    prepareContainer(r.sys, files(), plan({ args: ["/bin/true"] }), new LineChannel(r.sys, 1, 2));
    expect(r.names().filter((n) => n === "writeAll")).toHaveLength(1);
    expect(r.calls.at(-1)).toEqual({ name: "writeAll", args: [6, Buffer.from("0"), "cgroup.procs"] });
  });

  test("joins the cgroup before making a cgroup namespace, so the namespace is rooted at the container's cgroup", () => {
    const r = recordingSyscalls();
    const p = plan({ newCgroupNamespace: true, unshareFlags: CLONE.NEWNS | CLONE.NEWCGROUP });
    expect(() => prepareContainer(r.sys, files(), p, new LineChannel(r.sys, 1, 2))).toThrow("find executable");
    const names = r.names();
    expect(names.indexOf("writeAll")).toBeLessThan(names.indexOf("unshare"));
  });

  test("waits for the parent's id mappings after making a user namespace", () => {
    const r = recordingSyscalls();
    r.feed(1, '{"t":"continue"}\n');
    const p = plan({ newUserNamespace: true, early: [{ kind: "new-user" }], unshareFlags: CLONE.NEWUSER | CLONE.NEWNS });
    expect(() => prepareContainer(r.sys, files(), p, new LineChannel(r.sys, 1, 2))).toThrow("find executable");
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
    expect(() => prepareContainer(r.sys, files(), plan({ join, newMountNamespace: false, unshareFlags: 0 }), new LineChannel(r.sys, 1, 2))).toThrow("find executable");
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

describe("awaitStart()", () => {
  test("takes the first connection that says start, and stops listening", () => {
    const r = recordingSyscalls();
    const conns = [20, 21];
    r.respond("acceptUnix", () => conns.shift());
    // A connection that closes without a word (a probe, a `start` that died) is not a start.
    r.feed(20);
    r.feed(21, "start\n");
    expect(awaitStart(r.sys, 7)).toBe(21);
    expect(r.calls.filter((c) => c.name !== "read")).toEqual([
      { name: "acceptUnix", args: [7] },
      { name: "close", args: [20] },
      { name: "acceptUnix", args: [7] },
      { name: "close", args: [7] },
    ]);
  });
});

describe("finishAndExec()", () => {
  const prepared: Prepared = { path: "/bin/sh", start: -1, terminal: null, listener: null };
  const caps = { bounding: "0", effective: String(1n << 5n), permitted: String(1n << 5n), inheritable: "0", ambient: [] };

  test("drops to the container's identity, closes the runtime's fds, leads a new session and execs, in that order", () => {
    const r = recordingSyscalls();
    const p = plan({ args: ["sh", "-c", "true"], env: ["A=1"], cwd: "/srv", user: { uid: 1000, gid: 1000, additionalGids: [5], umask: null }, capabilities: caps });
    // The fake's execve throws instead of replacing the process.
    expect(() => finishAndExec(r.sys, p, prepared, () => {})).toThrow(expect.objectContaining({ step: "execve" }));
    const names = r.names();
    expect(names.slice(names.indexOf("setgroups"))).toEqual([
      "setgroups", "setresgid", "setresuid", "prctl", "capset", "prctl", "chdir", "closeRangeCloexec", "setsid", "resetSignals", "execve",
    ]);
    expect(r.calls.at(-1)).toEqual({ name: "execve", args: ["/bin/sh", ["sh", "-c", "true"], ["A=1"]] });
    expect(r.calls.find((c) => c.name === "chdir")!.args).toEqual(["/srv"]);
  });

  test("a detached program gets the container's /dev/null on 0, 1 and 2", () => {
    const r = recordingSyscalls();
    expect(() => finishAndExec(r.sys, plan({ nullStdio: true }), prepared, () => {})).toThrow(expect.objectContaining({ step: "execve" }));
    const names = r.names();
    expect(r.calls.slice(names.indexOf("setsid"), names.indexOf("resetSignals"))).toEqual([
      { name: "setsid", args: [] },
      { name: "open", args: ["/dev/null", O.RDWR] },
      { name: "dup3", args: [10, 0, 0] },
      { name: "dup3", args: [10, 1, 0] },
      { name: "dup3", args: [10, 2, 0] },
      { name: "close", args: [10] },
    ]);
  });

  test("with a terminal, the session the stage made for it is the program's", () => {
    const r = recordingSyscalls();
    expect(() => finishAndExec(r.sys, plan({ terminal: true }), prepared, () => {})).toThrow(expect.objectContaining({ step: "execve" }));
    expect(r.names()).not.toContain("setsid");
  });

  test("a stage that entered a container spawns the program in a new session, reports its PID and returns", () => {
    const r = recordingSyscalls();
    r.respond("posixSpawn", () => 4321);
    const said: StageMessage[] = [];
    finishAndExec(r.sys, plan({ spawnProcess: true, args: ["id"] }), { ...prepared, path: "/bin/id", terminal: "/dev/pts/3" }, (m) => said.push(m));
    expect(r.calls.at(-1)).toEqual({ name: "posixSpawn", args: [{ path: "/bin/id", argv: ["id"], env: [], setsid: true, stdio: "/dev/pts/3" }] });
    expect(r.names()).not.toContain("execve");
    expect(said).toEqual([{ t: "spawned", pid: 4321 }]);
  });

  test("sets affinity, scheduler, I/O priority, personality and AppArmor before the identity and the filter", () => {
    const r = recordingSyscalls();
    const p = plan({
      cpuAffinity: { initial: [0], final: [1] },
      scheduler: { policy: 3, flags: "0", nice: 5, priority: 0, runtime: "0", deadline: "0", period: "0" },
      ioPriority: (2 << 13) | 4,
      personality: 0x8,
      apparmorProfile: "p",
      seccomp: { program: Buffer.from([6, 0, 0, 0, 0, 0, 0xff, 0x7f]).toString("base64"), flags: 0, listener: null },
      noNewPrivileges: false,
      user: { uid: 1000, gid: 1000, additionalGids: [], umask: null },
    });
    expect(() => finishAndExec(r.sys, p, prepared, () => {})).toThrow("execve");
    const names = r.names();
    const at = (n: string) => names.indexOf(n as never);
    expect(names.slice(at("schedSetaffinity"), at("schedSetaffinity") + 7)).toEqual(["schedSetaffinity", "schedSetattr", "ioprioSet", "personality", "open", "writeAll", "close"]);
    expect(at("close")).toBeLessThan(at("loadSeccompFilter"));
    expect(at("loadSeccompFilter")).toBeLessThan(at("setresuid"));
    expect(r.calls[at("schedSetattr")]!.args[0]).toEqual({ policy: 3, flags: 0n, nice: 5, priority: 0, runtime: 0n, deadline: 0n, period: 0n });
    expect(r.calls[at("schedSetaffinity")]!.args[0]).toEqual([1]);
  });

  test("fails at the step that failed, naming the call and errno, and never execs", () => {
    const r = recordingSyscalls();
    r.failNext("capset", "EPERM");
    let err: unknown;
    try {
      finishAndExec(r.sys, plan({ capabilities: caps }), prepared, () => {});
    } catch (e) {
      err = e;
    }
    expect((err as { step: string }).step).toBe("set user and capabilities");
    expect(String((err as Error).cause)).toBe("SysError: capset (injected): EPERM");
    expect(r.names()).not.toContain("execve");
  });
});

describe("the seccomp filter in the setup stage", () => {
  const filter = { program: Buffer.from([6, 0, 0, 0, 0, 0, 0xff, 0x7f]).toString("base64"), flags: SECCOMP_FILTER_FLAG.TSYNC, listener: null };
  const exec = (r: ReturnType<typeof recordingSyscalls>, p: StagePlan, listener: Prepared["listener"] = null): string[] => {
    expect(() => finishAndExec(r.sys, p, { path: "/bin/true", start: -1, terminal: null, listener }, () => {})).toThrow("execve");
    return r.names();
  };

  test("with no_new_privs goes in after the identity, last before execve", () => {
    const r = recordingSyscalls();
    const names = exec(r, plan({ seccomp: filter, noNewPrivileges: true, user: { uid: 1000, gid: 1000, additionalGids: [], umask: null } }));
    expect(names.slice(-3)).toEqual(["resetSignals", "loadSeccompFilter", "execve"]);
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

  test("an exec stage reaches its listener before it joins the container's mount namespace, where the host's path is not", () => {
    const r = recordingSyscalls();
    const notify = { ...filter, flags: SECCOMP_FILTER_FLAG.NEW_LISTENER, listener: { path: "/run/agent.sock", metadata: null } };
    const p = plan({
      seccomp: notify, spawnProcess: true, newMountNamespace: false, rootfs: "/", mounts: [], maskedPaths: [], readonlyPaths: [], populateDev: false,
      join: [{ path: "/proc/4242/ns/mnt", flag: CLONE.NEWNS }, { path: "/proc/4242/ns/pid", flag: CLONE.NEWPID }],
    });
    try {
      prepareContainer(r.sys, files(), p, new LineChannel(r.sys, 1, 2));
    } catch {
      // "find executable": the fake has no program to find.
    }
    const names = r.names();
    expect(names.filter((n) => n === "connectUnix")).toHaveLength(1);
    expect(names.indexOf("connectUnix")).toBeLessThan(names.indexOf("setns"));
  });

  test("a failed load fails the step that names it", () => {
    const r = recordingSyscalls();
    r.failNext("loadSeccompFilter", "EINVAL");
    let err: unknown;
    try {
      finishAndExec(r.sys, plan({ seccomp: filter, noNewPrivileges: true }), { path: "/bin/true", start: -1, terminal: null, listener: null }, () => {});
    } catch (e) {
      err = e;
    }
    expect((err as { step: string }).step).toBe("load seccomp filter");
    expect(r.names()).not.toContain("execve");
  });
});
