import { afterEach, describe, expect, test } from "bun:test";
import { arch } from "../../../../ffi/arch.ts";
import { SECCOMP_FILTER_FLAG } from "../../../../ffi/constants.ts";
import { DEBUG_ENV } from "../../../../runtime/debug.ts";
import { seccompStep } from "../../../../runtime/process/seccomp-plan.ts";
import { compileSeccomp } from "../../../../runtime/seccomp/compile.ts";
import type { LinuxSeccomp } from "../../../../runtime/spec/config.ts";

const knowsAll = (): null => null;
const notify: LinuxSeccomp = {
  defaultAction: "SCMP_ACT_ALLOW",
  listenerPath: "/run/agent.sock",
  flags: ["SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"],
  syscalls: [{ names: ["mkdir"], action: "SCMP_ACT_NOTIFY" }],
};

describe("seccompStep()", () => {
  afterEach(() => {
    delete process.env[DEBUG_ENV];
  });

  test("carries the compiled program, the flags and, when a rule notifies, the listener", () => {
    const step = seccompStep(notify, knowsAll);
    expect(Buffer.from(step.program, "base64")).toEqual(Buffer.from(compileSeccomp(notify, arch).program));
    expect(step.flags).toBe(SECCOMP_FILTER_FLAG.NEW_LISTENER | SECCOMP_FILTER_FLAG.WAIT_KILLABLE_RECV);
    expect(step.listener).toEqual({ path: "/run/agent.sock", metadata: null });
    // A listener path without a notifying rule is not used (the spec: ignored).
    expect(seccompStep({ defaultAction: "SCMP_ACT_ALLOW", listenerPath: "/run/agent.sock" }, knowsAll).listener).toBeNull();
  });

  test("names the flag the running kernel does not take, so that create fails", () => {
    const old = (flags: number): string | null => (flags & SECCOMP_FILTER_FLAG.WAIT_KILLABLE_RECV ? "EINVAL" : null);
    expect(() => seccompStep(notify, old)).toThrow("linux.seccomp: this kernel does not take the flag SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (EINVAL)");
    const noListener = (flags: number): string | null => (flags & SECCOMP_FILTER_FLAG.NEW_LISTENER ? "EINVAL" : null);
    expect(() => seccompStep({ ...notify, flags: [] }, noListener)).toThrow("the flag SECCOMP_FILTER_FLAG_NEW_LISTENER (for SCMP_ACT_NOTIFY)");
  });

  test("lists the skipped syscall names in --debug output", () => {
    process.env[DEBUG_ENV] = "1";
    const lines: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((s: string) => (lines.push(s), true)) as typeof process.stderr.write;
    try {
      seccompStep({ defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["mkdir", "no_such_call"], action: "SCMP_ACT_ERRNO" }] }, knowsAll);
    } finally {
      process.stderr.write = write;
    }
    expect(lines.some((l) => l.endsWith("seccomp: unknown syscalls skipped: no_such_call\n"))).toBe(true);
    expect(lines.some((l) => /seccomp: \d+ instructions for /.test(l))).toBe(true);
  });
});
