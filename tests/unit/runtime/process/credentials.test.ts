import { describe, expect, test } from "bun:test";
import { PR } from "../../../../ffi/constants.ts";
import { applyIdentity } from "../../../../runtime/process/credentials.ts";
import { recordingSyscalls } from "../../fakes/syscalls.ts";

const plan = (ambient: number[]) => ({
  capabilities: { bounding: String(1n << 10n), effective: String(1n << 10n), permitted: String(1n << 10n), inheritable: String(1n << 10n), ambient },
  user: { uid: 1000, gid: 1000, additionalGids: [], umask: null },
  noNewPrivileges: false,
});
const raised = (r: ReturnType<typeof recordingSyscalls>) =>
  r.calls.filter((c) => c.name === "prctl" && c.args[0] === PR.CAP_AMBIENT && c.args[1] === PR.CAP_AMBIENT_RAISE).map((c) => c.args[2]);

describe("applyIdentity()", () => {
  test("raises each ambient capability; one the kernel refuses (EPERM, EINVAL) is skipped, as runc and crun do", () => {
    const r = recordingSyscalls();
    r.failNext("prctl", "EPERM", 1, (a) => a[0] === PR.CAP_AMBIENT && a[2] === 21);
    r.failNext("prctl", "EINVAL", 1, (a) => a[0] === PR.CAP_AMBIENT && a[2] === 12);
    applyIdentity(r.sys, plan([21, 12, 10]), 40);
    expect(raised(r)).toEqual([21, 12, 10]);
  });

  test("any other failure to raise one is an error", () => {
    const r = recordingSyscalls();
    r.failNext("prctl", "EFAULT", 1, (a) => a[0] === PR.CAP_AMBIENT && a[1] === PR.CAP_AMBIENT_RAISE);
    expect(() => applyIdentity(r.sys, plan([10]), 40)).toThrow("EFAULT");
  });

  test("capabilities this kernel does not know are left out of every set, so capset does not refuse them all", () => {
    const r = recordingSyscalls();
    const p = plan([38, 10]);
    p.capabilities.permitted = String((1n << 38n) | (1n << 10n));
    applyIdentity(r.sys, p, 37);
    expect(r.calls.find((c) => c.name === "capset")!.args[0]).toEqual({ effective: 1n << 10n, permitted: 1n << 10n, inheritable: 1n << 10n });
    expect(raised(r)).toEqual([10]);
    // The bounding set is dropped for the kernel's capabilities only (0..37 here).
    expect(r.calls.filter((c) => c.args[0] === PR.CAPBSET_DROP).map((c) => c.args[1])).toHaveLength(37);
  });
});
