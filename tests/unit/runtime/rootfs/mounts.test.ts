import { describe, expect, test } from "bun:test";
import { AT, MOUNT_ATTR, MS, PROC_SUPER_MAGIC, S_IFDIR, S_IFMT, S_IFREG } from "../../../../ffi/constants.ts";
import type { MountStep } from "../../../../runtime/rootfs/steps.ts";
import { InRoot } from "../../../../runtime/rootfs/in-root.ts";
import { mountCgroups, mountOne, setPropagation } from "../../../../runtime/rootfs/mounts.ts";
import { fakeFs } from "../../fakes/fs-tree.ts";
import { recordingSyscalls } from "../../fakes/syscalls.ts";

const ROOT = "/b/rootfs";
const FD_PATH = /^\/proc\/self\/fd\/\d+$/;

const step = (over: Partial<MountStep>): MountStep => ({
  source: "tmpfs", fstype: "tmpfs", flags: 0, data: null, propagation: [], targetIsFile: false, destination: "/data",
  recursiveAttrs: null, copyUp: false, idmapFd: null, kind: "plain", ...over,
});

const setup = () => {
  const fs = fakeFs();
  fs.dir(`${ROOT}/etc`);
  fs.dir("/host");
  fs.symlink(`${ROOT}/v`, "/host");
  const root = InRoot.open(fs.sys, ROOT);
  return { fs, root, r: recordingSyscalls() };
};

describe("mountOne()", () => {
  test("mounts onto the target resolved inside the rootfs, through /proc/self/fd, created when missing", () => {
    const { fs, root, r } = setup();
    mountOne(r.sys, root, step({ destination: "/v/x/y", data: "size=64k" }));
    expect(fs.get(`${ROOT}/host/x/y`)!.mode & S_IFMT).toBe(S_IFDIR);
    expect(fs.get("/host/x")).toBeUndefined();
    expect(r.calls).toHaveLength(1);
    const [source, target, fstype, flags, data, label] = r.calls[0]!.args;
    expect([source, fstype, flags, data, label]).toEqual(["tmpfs", "tmpfs", 0, "size=64k", `${ROOT}/v/x/y`]);
    expect(target).toMatch(FD_PATH);
    root.close();
    expect(fs.openFds()).toEqual([]);
  });

  test("a target that a symlink of the image leads onto the container's proc file system is refused; the allowed files are not", () => {
    const { fs, root, r } = setup();
    const proc = fs.dir(`${ROOT}/proc`);
    proc.fsType = PROC_SUPER_MAGIC;
    fs.dir(`${ROOT}/proc/sys`).fsType = PROC_SUPER_MAGIC;
    fs.file(`${ROOT}/proc/meminfo`).fsType = PROC_SUPER_MAGIC;
    fs.symlink(`${ROOT}/data`, "/proc/sys");
    expect(() => mountOne(r.sys, root, step({ destination: "/data" }))).toThrow(
      expect.objectContaining({ message: "Mount of '/data' failed", cause: expect.objectContaining({ message: "'/data' leads inside /proc, where it cannot be mounted (runc's rule)" }) }),
    );
    expect(r.calls).toHaveLength(0);
    mountOne(r.sys, root, step({ kind: "bind", source: "/host/meminfo", fstype: "bind", flags: MS.BIND, targetIsFile: true, destination: "/proc/meminfo" }));
    mountOne(r.sys, root, step({ fstype: "proc", source: "proc", destination: "/proc" }));
    expect(r.names()).toEqual(["mount", "mount"]);
    root.close();
    expect(fs.openFds()).toEqual([]);
  });

  test("a bind of a file gets a file to mount on; its flags take effect through a remount of the new mount", () => {
    const { fs, root, r } = setup();
    mountOne(r.sys, root, step({ kind: "bind", source: "/host/file", fstype: "bind", flags: MS.BIND | MS.RDONLY | MS.NOSUID, targetIsFile: true, destination: "/etc/resolv.conf" }));
    expect(fs.get(`${ROOT}/etc/resolv.conf`)!.mode & S_IFMT).toBe(S_IFREG);
    expect(r.calls.map((c) => [c.args[0], c.args[2], c.args[3]])).toEqual([
      ["/host/file", "bind", MS.BIND],
      [null, null, MS.BIND | MS.REMOUNT | MS.RDONLY | MS.NOSUID],
    ]);
    // The remount reaches the new mount: the path is resolved again, not the descriptor below the mount reused.
    expect(r.calls[0]!.args[1]).not.toBe(r.calls[1]!.args[1]);
    root.close();
    expect(fs.openFds()).toEqual([]);
  });

  test("recursive options are set on the whole new mount tree with mount_setattr(AT_RECURSIVE)", () => {
    const { root, r } = setup();
    const attrs = { set: MOUNT_ATTR.RDONLY | MOUNT_ATTR.NOSUID, clear: MOUNT_ATTR.NOEXEC };
    mountOne(r.sys, root, step({ kind: "bind", source: "/host", fstype: "bind", flags: MS.BIND | MS.REC, recursiveAttrs: attrs }));
    expect(r.names()).toEqual(["mount", "mountSetattr"]);
    const [fd, path, flags, attr] = r.calls[1]!.args;
    expect(typeof fd).toBe("number");
    expect([path, flags, attr]).toEqual(["", AT.EMPTY_PATH | AT.RECURSIVE, { set: attrs.set, clear: attrs.clear, propagation: 0, usernsFd: 0 }]);
    root.close();
  });

  test("a failure names the destination", () => {
    const { root, r } = setup();
    r.failNext("mount", "ENODEV");
    expect(() => mountOne(r.sys, root, step({ destination: "/bogus", fstype: "nosuchfs" }))).toThrow("Mount of '/bogus' failed");
    root.close();
  });
});

describe("mountCgroups()", () => {
  test("v1: a tmpfs with the container's own hierarchy dirs bound in, each created inside the rootfs, read-only when asked", () => {
    const { fs, root, r } = setup();
    const m = step({ kind: "cgroup", destination: "/sys/fs/cgroup", flags: MS.RDONLY });
    mountCgroups(r.sys, root, m, { cgroupV2: false, newCgroupNamespace: false, cgroupDirs: [{ hierarchy: "memory", dir: "/sys/fs/cgroup/memory/c1" }, { hierarchy: "", dir: "/sys/fs/cgroup/unified/c1" }] });
    expect(fs.get(`${ROOT}/sys/fs/cgroup/memory`)).toBeDefined();
    expect(fs.get(`${ROOT}/sys/fs/cgroup/unified`)).toBeDefined();
    expect(r.calls.map((c) => [c.args[0], c.args[2], c.args[5]])).toEqual([
      ["tmpfs", "tmpfs", `${ROOT}/sys/fs/cgroup`],
      ["/sys/fs/cgroup/memory/c1", "bind", `${ROOT}/sys/fs/cgroup/memory`],
      [null, null, `${ROOT}/sys/fs/cgroup/memory`],
      ["/sys/fs/cgroup/unified/c1", "bind", `${ROOT}/sys/fs/cgroup/unified`],
      [null, null, `${ROOT}/sys/fs/cgroup/unified`],
      [null, null, `${ROOT}/sys/fs/cgroup`],
    ]);
    root.close();
    expect(fs.openFds()).toEqual([]);
  });

  test("v2 with a cgroup namespace: cgroup2 itself", () => {
    const { root, r } = setup();
    mountCgroups(r.sys, root, step({ kind: "cgroup", destination: "/sys/fs/cgroup" }), { cgroupV2: true, newCgroupNamespace: true, cgroupDirs: [] });
    expect(r.calls.map((c) => c.args[2])).toEqual(["cgroup2"]);
    root.close();
  });
});

describe("setPropagation()", () => {
  test("sets each propagation flag on the resolved mount with mount_setattr, MS_REC as AT_RECURSIVE", () => {
    const { root, r } = setup();
    setPropagation(r.sys, root, step({ destination: "/etc", propagation: [MS.PRIVATE | MS.REC, MS.SHARED] }));
    expect(r.calls.map((c) => [c.args[2], c.args[3]])).toEqual([
      [AT.EMPTY_PATH | AT.RECURSIVE, { set: 0, clear: 0, propagation: MS.PRIVATE, usernsFd: 0 }],
      [AT.EMPTY_PATH, { set: 0, clear: 0, propagation: MS.SHARED, usernsFd: 0 }],
    ]);
    root.close();
  });

  test("falls back to mount(2) through /proc/self/fd where mount_setattr is missing", () => {
    const { root, r } = setup();
    r.failNext("mountSetattr", "ENOSYS");
    setPropagation(r.sys, root, step({ destination: "/etc", propagation: [MS.SLAVE] }));
    expect(r.names()).toEqual(["mountSetattr", "mount"]);
    expect(r.calls[1]!.args[1]).toMatch(FD_PATH);
    expect(r.calls[1]!.args[3]).toBe(MS.SLAVE);
    root.close();
  });

  test("does nothing without propagation options", () => {
    const { root, r } = setup();
    setPropagation(r.sys, root, step({ destination: "/etc" }));
    expect(r.calls).toEqual([]);
    root.close();
  });
});
