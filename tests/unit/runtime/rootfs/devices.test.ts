import { describe, expect, test } from "bun:test";
import { MS, S_IFCHR, S_IFLNK, S_IFMT } from "../../../../ffi/constants.ts";
import type { DeviceStep } from "../../../../runtime/rootfs/steps.ts";
import { createDevice, createDevSymlinks } from "../../../../runtime/rootfs/devices.ts";
import { InRoot } from "../../../../runtime/rootfs/in-root.ts";
import { fakeFs } from "../../fakes/fs-tree.ts";
import { recordingSyscalls } from "../../fakes/syscalls.ts";

const ROOT = "/b/rootfs";
const nullDevice: DeviceStep = { path: "/dev/null", type: "c", major: 1, minor: 3, mode: 0o666, uid: 0, gid: 0 };

const setup = () => {
  const fs = fakeFs();
  fs.dir(`${ROOT}/dev`);
  fs.dir("/host");
  fs.file("/host/null");
  return { fs, r: recordingSyscalls() };
};

describe("createDevice()", () => {
  test("makes the node with exactly the configured mode and owner, whatever the umask", () => {
    const { fs, r } = setup();
    fs.file(`${ROOT}/dev/null`);
    const root = InRoot.open(fs.sys, ROOT);
    createDevice(r.sys, root, { ...nullDevice, mode: 0o620, uid: 5, gid: 7 }, false);
    const node = fs.get(`${ROOT}/dev/null`)!;
    expect(node.mode).toBe(S_IFCHR | 0o620);
    expect([node.uid, node.gid, node.dev]).toEqual([5, 7, 0x103n]);
    root.close();
    expect(fs.openFds()).toEqual([]);
  });

  test("with /dev a symlink out of the rootfs, the node and its directory are made inside the rootfs", () => {
    const fs = fakeFs();
    fs.dir("/host");
    fs.file("/host/null");
    fs.symlink(`${ROOT}/dev`, "/host");
    const root = InRoot.open(fs.sys, ROOT);
    createDevice(recordingSyscalls().sys, root, nullDevice, false);
    createDevice(recordingSyscalls().sys, root, { ...nullDevice, path: "/dev/net/tun", major: 10, minor: 200 }, false);
    expect(fs.get("/host/null")!.mode & S_IFMT).not.toBe(S_IFCHR);
    expect(fs.get(`${ROOT}/host/null`)!.mode & S_IFMT).toBe(S_IFCHR);
    expect(fs.get(`${ROOT}/host/net/tun`)!.mode & S_IFMT).toBe(S_IFCHR);
    root.close();
  });

  test("in a user namespace binds the host's node onto a file made inside the rootfs", () => {
    const { fs, r } = setup();
    const root = InRoot.open(fs.sys, ROOT);
    createDevice(r.sys, root, nullDevice, true);
    expect(r.calls).toHaveLength(1);
    expect(r.calls[0]!.args[0]).toBe("/dev/null");
    expect(r.calls[0]!.args[1]).toMatch(/^\/proc\/self\/fd\/\d+$/);
    expect(r.calls[0]!.args.slice(2, 4)).toEqual(["bind", MS.BIND]);
    expect(fs.get(`${ROOT}/dev/null`)).toBeDefined();
    root.close();
  });

  test("names the device when it fails", () => {
    const { fs, r } = setup();
    fs.failNext("mknodat", "EPERM");
    const root = InRoot.open(fs.sys, ROOT);
    expect(() => createDevice(r.sys, root, nullDevice, false)).toThrow("Creating device '/dev/null' failed");
    root.close();
  });
});

describe("createDevSymlinks()", () => {
  test("replaces what is there with the spec's links, /dev/ptmx only with a devpts", () => {
    const { fs } = setup();
    fs.file(`${ROOT}/dev/fd`);
    const root = InRoot.open(fs.sys, ROOT);
    createDevSymlinks(root, false);
    expect(fs.get(`${ROOT}/dev/fd`)!.mode & S_IFMT).toBe(S_IFLNK);
    expect(fs.get(`${ROOT}/dev/fd`)!.target).toBe("/proc/self/fd");
    expect(fs.get(`${ROOT}/dev/stderr`)!.target).toBe("/proc/self/fd/2");
    expect(fs.get(`${ROOT}/dev/ptmx`)).toBeUndefined();
    createDevSymlinks(root, true);
    expect(fs.get(`${ROOT}/dev/ptmx`)!.target).toBe("pts/ptmx");
    root.close();
  });
});
