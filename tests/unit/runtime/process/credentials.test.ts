import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { PR } from "../../../../ffi/constants.ts";
import { applyIdentity, applyRlimits } from "../../../../runtime/process/credentials.ts";
import { recordingSyscalls } from "../../fakes/syscalls.ts";

const lastCap = Number(readFileSync("/proc/sys/kernel/cap_last_cap", "utf8").trim());
const bit = (n: number): string => String(1n << BigInt(n));
const user = { uid: 1000, gid: 1001, additionalGids: [5, 7], umask: 0o027 };

describe("applyIdentity()", () => {
  test("drops the bounding set, switches user keeping capabilities, then sets the sets, ambient, no_new_privs, umask", () => {
    const r = recordingSyscalls();
    const caps = { bounding: bit(5), effective: bit(5), permitted: bit(5), inheritable: bit(5), ambient: [5] };
    applyIdentity(r.sys, { capabilities: caps, user, noNewPrivileges: true });
    const drops = r.calls.filter((c) => c.name === "prctl" && c.args[0] === PR.CAPBSET_DROP).map((c) => c.args[1]);
    // Every capability but CAP_KILL (5) leaves the bounding set.
    expect(drops).toEqual(Array.from({ length: lastCap + 1 }, (_, i) => i).filter((i) => i !== 5));
    const after = r.calls.slice(drops.length);
    expect(after).toEqual([
      { name: "prctl", args: [PR.SET_KEEPCAPS, 1] },
      { name: "setgroups", args: [[5, 7]] },
      { name: "setresgid", args: [1001] },
      { name: "setresuid", args: [1000] },
      { name: "prctl", args: [PR.SET_KEEPCAPS, 0] },
      { name: "capset", args: [{ effective: 32n, permitted: 32n, inheritable: 32n }] },
      { name: "prctl", args: [PR.CAP_AMBIENT, PR.CAP_AMBIENT_CLEAR_ALL] },
      { name: "prctl", args: [PR.CAP_AMBIENT, PR.CAP_AMBIENT_RAISE, 5] },
      { name: "prctl", args: [PR.SET_NO_NEW_PRIVS, 1] },
      { name: "umask", args: [0o027] },
    ]);
  });

  test("without a capabilities section keeps the sets alone and still switches the user", () => {
    const r = recordingSyscalls();
    applyIdentity(r.sys, { capabilities: null, user: { ...user, umask: null }, noNewPrivileges: false });
    expect(r.names()).toEqual(["prctl", "setgroups", "setresgid", "setresuid", "prctl"]);
  });

  test("a refused capset stops before no_new_privs and the umask, with the call and errno", () => {
    const r = recordingSyscalls();
    r.failNext("capset", "EPERM");
    const caps = { bounding: bit(5), effective: bit(5), permitted: bit(5), inheritable: "0", ambient: [] };
    expect(() => applyIdentity(r.sys, { capabilities: caps, user, noNewPrivileges: true })).toThrow("capset (injected): EPERM");
    expect(r.names().at(-1)).toBe("capset");
  });
});

describe("applyRlimits()", () => {
  test("names the limit that was refused", () => {
    const r = recordingSyscalls();
    r.failNext("setrlimit", "EPERM");
    expect(() => applyRlimits(r.sys, { rlimits: [{ name: "RLIMIT_NOFILE", resource: 7, soft: "1048576", hard: "1048576" }] })).toThrow("Setting rlimit RLIMIT_NOFILE failed");
  });
});

const plan = (ambient: number[]) => ({
  capabilities: { bounding: String(1n << 10n), effective: String(1n << 10n), permitted: String(1n << 10n), inheritable: String(1n << 10n), ambient },
  user: { uid: 1000, gid: 1000, additionalGids: [], umask: null },
  noNewPrivileges: false,
});
const raised = (r: ReturnType<typeof recordingSyscalls>) =>
  r.calls.filter((c) => c.name === "prctl" && c.args[0] === PR.CAP_AMBIENT && c.args[1] === PR.CAP_AMBIENT_RAISE).map((c) => c.args[2]);

describe("applyIdentity(): ambient capabilities and the kernel's own", () => {
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
