import { describe, expect, test } from "bun:test";
import { MNT_DETACH, MS } from "../../../../ffi/constants.ts";
import { switchRoot } from "../../../../runtime/rootfs/pivot.ts";
import { recordingSyscalls } from "../../fakes/syscalls.ts";

describe("switchRoot()", () => {
  test("pivots into the rootfs and detaches the old root", () => {
    const r = recordingSyscalls();
    expect(switchRoot(r.sys, "/b/rootfs")).toBe("pivot_root");
    expect(r.calls).toEqual([
      { name: "chdir", args: ["/b/rootfs"] },
      { name: "pivotRoot", args: [".", "."] },
      { name: "mount", args: [null, ".", null, MS.SLAVE | MS.REC, null] },
      { name: "umount2", args: [".", MNT_DETACH] },
      { name: "chdir", args: ["/"] },
    ]);
  });

  test("falls back to MS_MOVE and chroot when pivot_root says EINVAL (initramfs root)", () => {
    const r = recordingSyscalls();
    r.failNext("pivotRoot", "EINVAL");
    expect(switchRoot(r.sys, "/b/rootfs")).toBe("move");
    expect(r.names()).toEqual(["chdir", "pivotRoot", "mount", "chroot", "chdir"]);
    expect(r.calls[2]!.args).toEqual(["/b/rootfs", "/", null, MS.MOVE, null]);
  });

  test("passes on any other pivot_root error", () => {
    const r = recordingSyscalls();
    r.failNext("pivotRoot", "EPERM");
    expect(() => switchRoot(r.sys, "/b/rootfs")).toThrow("pivotRoot (injected): EPERM");
  });
});
