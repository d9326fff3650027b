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

  test("says what is not supported: systemd cgroups, seccomp, SELinux, Intel RDT", () => {
    expect(f.linux?.cgroup).toEqual({ v1: true, v2: true, systemd: false, systemdUser: false, rdma: true });
    expect(f.linux?.seccomp?.enabled).toBe(false);
    expect(f.linux?.selinux?.enabled).toBe(false);
    expect(f.linux?.intelRdt?.enabled).toBe(false);
  });

  test("says what is implemented: AppArmor profiles and network devices", () => {
    expect(f.linux?.apparmor?.enabled).toBe(true);
    expect(f.linux?.netDevices?.enabled).toBe(true);
  });
});
