import { describe, expect, test } from "bun:test";
import { MS } from "../../../../ffi/constants.ts";
import { parseMountTable } from "../../../../runtime/rootfs/mount-table.ts";
import { applyRootPropagation, prepareRoot } from "../../../../runtime/rootfs/root-propagation.ts";
import { fakeFs } from "../../fakes/fs-tree.ts";
import { recordingSyscalls } from "../../fakes/syscalls.ts";

// A systemd host: every mount shared; the bundle is on /srv.
const SHARED_HOST = [
  "1 0 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw",
  "30 0 8:2 / /srv rw,relatime shared:7 - ext4 /dev/sda2 rw",
  "31 0 0:40 / /srv/a\\040b rw master:3 - tmpfs tmpfs rw",
].join("\n");

const setup = (table: string) => {
  const fs = fakeFs();
  fs.dir("/srv/bundle/rootfs").mntId = 30n;
  const r = recordingSyscalls();
  r.respond("mountTable", () => table);
  return { fs, r };
};

const plan = (rootPropagation: number) => ({ rootfs: "/srv/bundle/rootfs", rootPropagation });

describe("prepareRoot()", () => {
  test("on a shared host makes the rootfs's mount and the current root private, so pivot_root takes the switch", () => {
    const { fs, r } = setup(SHARED_HOST);
    prepareRoot(r.sys, fs.sys, plan(MS.SHARED | MS.REC));
    expect(r.calls.filter((c) => c.name === "mount").map((c) => [c.args[0], c.args[1], c.args[3]])).toEqual([
      [null, "/", MS.SHARED | MS.REC],
      [null, "/", MS.PRIVATE],
      [null, "/srv", MS.PRIVATE],
      ["/srv/bundle/rootfs", "/srv/bundle/rootfs", MS.BIND | MS.REC],
    ]);
  });

  test("on a private host sets the tree's propagation and binds the rootfs, nothing more", () => {
    const { fs, r } = setup("1 1 8:1 / / rw - ext4 /dev/sda1 rw");
    prepareRoot(r.sys, fs.sys, plan(MS.SLAVE | MS.REC));
    expect(r.calls.filter((c) => c.name === "mount").map((c) => c.args[3])).toEqual([MS.SLAVE | MS.REC, MS.BIND | MS.REC]);
  });

  test("keeps the tree private until the switch when asked for unbindable, so the rootfs can be bound", () => {
    const { fs, r } = setup("1 1 8:1 / / rw - ext4 /dev/sda1 rw");
    prepareRoot(r.sys, fs.sys, plan(MS.UNBINDABLE | MS.REC));
    expect(r.calls[0]!.args[3]).toBe(MS.PRIVATE | MS.REC);
  });
});

describe("applyRootPropagation()", () => {
  test("sets shared and unbindable on the new root; slave and private were set before the switch", () => {
    for (const [flags, calls] of [
      [MS.SHARED, 1],
      [MS.UNBINDABLE | MS.REC, 1],
      [MS.SLAVE | MS.REC, 0],
      [MS.PRIVATE, 0],
    ] as const) {
      const r = recordingSyscalls();
      applyRootPropagation(r.sys, { rootPropagation: flags });
      expect(r.calls).toHaveLength(calls);
      if (calls) expect(r.calls[0]!.args).toEqual([null, "/", null, flags, null]);
    }
  });
});

describe("parseMountTable()", () => {
  test("reads id, unescaped mount point and the optional fields", () => {
    expect(parseMountTable(SHARED_HOST)[2]).toEqual({ id: 31, mountpoint: "/srv/a b", root: "/", fstype: "tmpfs", optional: ["master:3"] });
    expect(parseMountTable(SHARED_HOST)[0]!.optional).toEqual(["shared:1"]);
  });
});
