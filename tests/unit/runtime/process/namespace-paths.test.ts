import { describe, expect, test } from "bun:test";
import { CLONE } from "../../../../ffi/constants.ts";
import { SysError } from "../../../../ffi/errno.ts";
import { checkNamespacePaths } from "../../../../runtime/process/namespace-paths.ts";

/** A namespace-type probe over a table of paths; any other path is a test error. */
const probe = (table: Record<string, number | SysError>) => (path: string): number => {
  const v = table[path];
  if (v === undefined) throw new Error(`unexpected probe of '${path}'`);
  if (v instanceof SysError) throw v;
  return v;
};

describe("checkNamespacePaths()", () => {
  test("accepts paths of the type their entry names and probes nothing else", () => {
    expect(() =>
      checkNamespacePaths([{ type: "network", path: "/run/netns/a" }, { type: "user", path: "/proc/9/ns/user" }, { type: "pid" }], probe({ "/run/netns/a": CLONE.NEWNET, "/proc/9/ns/user": CLONE.NEWUSER })),
    ).not.toThrow();
  });

  test("refuses a path of another type, naming both", () => {
    expect(() => checkNamespacePaths([{ type: "user", path: "/proc/9/ns/uts" }], probe({ "/proc/9/ns/uts": CLONE.NEWUTS }))).toThrow(
      "linux.namespaces: the 'user' namespace path '/proc/9/ns/uts' is a namespace of type 'uts'",
    );
  });

  test("says when a file is no namespace at all, and passes on why one cannot be opened", () => {
    expect(() => checkNamespacePaths([{ type: "mount", path: "/etc/hostname" }], probe({ "/etc/hostname": new SysError("ioctl NS_GET_NSTYPE", 25, "'/etc/hostname'") }))).toThrow(
      "is not a namespace file (ioctl NS_GET_NSTYPE: ENOTTY)",
    );
    let caught: Error | undefined;
    try {
      checkNamespacePaths([{ type: "ipc", path: "/gone" }], probe({ "/gone": new SysError("open", 2, "'/gone'") }));
    } catch (err) {
      caught = err as Error;
    }
    expect(caught?.message).toBe("linux.namespaces: opening the 'ipc' namespace path");
    expect((caught?.cause as SysError).code).toBe("ENOENT");
  });
});
