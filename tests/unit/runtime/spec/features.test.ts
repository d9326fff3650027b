import { describe, expect, test } from "bun:test";
import { Value } from "@sinclair/typebox/value";
import { FeaturesSchema, features } from "../../../../runtime/spec/features.ts";

describe("features()", () => {
  const f = features();

  test("matches its own schema", () => {
    expect([...Value.Errors(FeaturesSchema, f)]).toEqual([]);
  });

  test("reports the spec range, the hooks and the tables bunker implements", () => {
    expect([f.ociVersionMin, f.ociVersionMax]).toEqual(["1.0.0", "1.2.0"]);
    expect(f.hooks).toEqual(["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"]);
    expect(f.mountOptions).toContain("rro");
    expect(f.linux?.namespaces).toEqual(["cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts"]);
    expect(f.linux?.capabilities?.length).toBe(41);
  });

  test("says what is not supported: systemd cgroups, SELinux, Intel RDT", () => {
    expect(f.linux?.cgroup).toEqual({ v1: true, v2: true, systemd: false, systemdUser: false, rdma: true });
    expect(f.linux?.selinux?.enabled).toBe(false);
    expect(f.linux?.intelRdt?.enabled).toBe(false);
  });

  test("says what is implemented: AppArmor profiles and network devices", () => {
    expect(f.linux?.apparmor?.enabled).toBe(true);
    expect(f.linux?.netDevices?.enabled).toBe(true);
  });

  test("reports seccomp as implemented: every action and operator, this machine's architectures, the flags", () => {
    expect(f.linux?.seccomp?.enabled).toBe(true);
    expect(f.linux?.seccomp?.actions).toHaveLength(9);
    expect(f.linux?.seccomp?.operators).toHaveLength(7);
    expect(f.linux?.seccomp?.archs).toEqual(process.arch === "x64" ? ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"] : ["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"]);
    expect(f.linux?.seccomp?.knownFlags).toEqual([
      "SECCOMP_FILTER_FLAG_TSYNC",
      "SECCOMP_FILTER_FLAG_LOG",
      "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
      "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
    ]);
  });

  test("supportedFlags are the known flags the kernel takes, WAIT_KILLABLE_RECV asked with a listener", () => {
    const asked: number[] = [];
    // A kernel before 5.19: no WAIT_KILLABLE_RECV.
    const old = features((flags) => (asked.push(flags), flags & 32 ? "EINVAL" : null));
    expect(old.linux?.seccomp?.supportedFlags).toEqual(["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"]);
    expect(asked).toEqual([1, 2, 4, 8 | 32]);
  });
});
