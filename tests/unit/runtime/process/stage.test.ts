import { describe, expect, test } from "bun:test";
import { CLONE, MS, O } from "../../../../ffi/constants.ts";
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
    noNewPrivileges: false, user: { uid: 0, gid: 0, additionalGids: [], umask: null }, cwd: "/", args: ["no-such-program-in-any-path"],
    env: [], terminal: false, nullStdio: false, consoleSocket: null, consoleSize: null,
    cgroupProcs: ["/sys/fs/cgroup/memory/x/cgroup.procs"], hostFds: { cgroupProcs: [6], start: 7, consoleSocket: null }, cgroupDirs: [], cgroupV2: false, pauseForHooks: false,
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

  test("joins the cgroup as the last step of create, so that what the stage touched before stays the caller's", () => {
    const r = recordingSyscalls();
    prepareContainer(r.sys, files(), plan({ args: ["/bin/true"] }), new LineChannel(r.sys, 1, 2));
    expect(r.names().filter((n) => n === "writeAll")).toHaveLength(1);
    expect(r.calls.at(-1)).toEqual({ name: "writeAll", args: [6, Buffer.from("0"), "cgroup.procs"] });
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
  const prepared: Prepared = { path: "/bin/sh", start: -1, terminal: null };
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
