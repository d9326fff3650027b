import { describe, expect, test } from "bun:test";
import { O } from "../../../../ffi/constants.ts";
import { applyApparmor, apparmorProfileFor } from "../../../../runtime/process/apparmor.ts";
import { recordingSyscalls } from "../../fakes/syscalls.ts";

describe("apparmorProfileFor()", () => {
  test("no profile asked for is no profile, whatever the host", () => {
    expect(apparmorProfileFor(undefined, () => false)).toBeNull();
    expect(apparmorProfileFor("", () => false)).toBeNull();
  });

  test("a profile on a host without AppArmor is an error naming the field (runc fails the same container)", () => {
    expect(() => apparmorProfileFor("p", () => false)).toThrow("process.apparmorProfile 'p': AppArmor is not enabled on this host");
    expect(apparmorProfileFor("p", () => true)).toBe("p");
  });
});

describe("applyApparmor()", () => {
  test("writes 'exec <profile>' to the AppArmor attr file of the calling thread, or the older shared one", () => {
    for (const [hasModuleDir, path] of [[true, "/proc/thread-self/attr/apparmor/exec"], [false, "/proc/thread-self/attr/exec"]] as const) {
      const r = recordingSyscalls();
      applyApparmor(r.sys, "docker-default", () => hasModuleDir);
      expect(r.names()).toEqual(["open", "writeAll", "close"]);
      expect(r.calls[0]!.args).toEqual([path, O.WRONLY | O.CLOEXEC]);
      expect(String(r.calls[1]!.args[1])).toBe("exec docker-default");
    }
  });

  test("does nothing without a profile", () => {
    const r = recordingSyscalls();
    applyApparmor(r.sys, null, () => true);
    expect(r.names()).toEqual([]);
  });
});
