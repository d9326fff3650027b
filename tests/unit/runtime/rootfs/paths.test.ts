import { describe, expect, test } from "bun:test";
import { MS } from "../../../../ffi/constants.ts";
import { InRoot } from "../../../../runtime/rootfs/in-root.ts";
import { maskPath, readonlyPath } from "../../../../runtime/rootfs/paths.ts";
import { fakeFs } from "../../fakes/fs-tree.ts";
import { recordingSyscalls } from "../../fakes/syscalls.ts";

const ROOT = "/b/rootfs";
const FD_PATH = /^\/proc\/self\/fd\/\d+$/;

const setup = () => {
  const fs = fakeFs();
  fs.dir(`${ROOT}/proc/acpi`);
  fs.file(`${ROOT}/proc/kcore`);
  fs.dir(`${ROOT}/proc/sys`);
  fs.file("/host/etc/passwd");
  fs.symlink(`${ROOT}/etc`, "/host/etc");
  return { fs, root: InRoot.open(fs.sys, ROOT), r: recordingSyscalls() };
};

describe("maskPath()", () => {
  test("covers a directory with a read-only tmpfs and a file with /dev/null, on the resolved object", () => {
    const { fs, root, r } = setup();
    maskPath(r.sys, root, "/proc/acpi");
    maskPath(r.sys, root, "/proc/kcore");
    expect(r.calls.map((c) => [c.args[0], c.args[2], c.args[3], c.args[5]])).toEqual([
      ["tmpfs", "tmpfs", MS.RDONLY, `${ROOT}/proc/acpi`],
      ["/dev/null", "bind", MS.BIND, `${ROOT}/proc/kcore`],
    ]);
    for (const c of r.calls) expect(c.args[1]).toMatch(FD_PATH);
    root.close();
    expect(fs.openFds()).toEqual([]);
  });

  test("skips a missing path, also one behind a symlink that leads out of the rootfs", () => {
    const { root, r } = setup();
    maskPath(r.sys, root, "/proc/missing");
    maskPath(r.sys, root, "/etc/passwd");
    expect(r.calls).toEqual([]);
    root.close();
  });
});

describe("readonlyPath()", () => {
  test("binds the object onto itself, then remounts the new mount (resolved again) read-only", () => {
    const { fs, root, r } = setup();
    readonlyPath(r.sys, root, "/proc/sys");
    expect(r.calls).toHaveLength(2);
    const [bind, remount] = r.calls;
    expect(bind!.args[0]).toBe(bind!.args[1]);
    expect(bind!.args.slice(2, 4)).toEqual(["bind", MS.BIND | MS.REC]);
    expect(remount!.args[1]).not.toBe(bind!.args[1]);
    expect(remount!.args[3]).toBe(MS.BIND | MS.REMOUNT | MS.RDONLY | MS.REC | MS.NOSUID | MS.NODEV | MS.NOEXEC);
    root.close();
    expect(fs.openFds()).toEqual([]);
  });
});
