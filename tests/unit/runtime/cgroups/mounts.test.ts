import { describe, expect, test } from "bun:test";
import { dirOf, parseMountinfo, parseProcCgroup } from "../../../../runtime/cgroups/mounts.ts";

// This build machine's mounts, trimmed.
const HYBRID = `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`;

describe("parseMountinfo", () => {
  test("reports hybrid when v1 controllers and cgroup2 are both mounted", () => {
    const m = parseMountinfo(HYBRID);
    expect(m.layout).toBe("hybrid");
    expect([...m.v1.keys()]).toEqual(["cpu", "cpuacct", "memory"]);
    expect(m.v2?.mountpoint).toBe("/sys/fs/cgroup/unified");
  });

  test("keeps name=systemd apart from the controller hierarchies, and only beside v1 controllers", () => {
    const m = parseMountinfo(HYBRID);
    expect(m.v1.has("")).toBe(false);
    expect(m.systemd?.mountpoint).toBe("/sys/fs/cgroup/systemd");
    const v2 = parseMountinfo("25 20 0:22 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n40 25 0:37 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,name=systemd");
    expect(v2.layout).toBe("v2");
    expect(v2.systemd).toBeUndefined();
    expect(parseMountinfo("32 31 0:29 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n41 31 0:38 / /x rw - cgroup cgroup rw,name=other").systemd).toBeUndefined();
  });

  test("reports v2 for a lone cgroup2 mount and v1 without one", () => {
    expect(parseMountinfo("25 20 0:22 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate").layout).toBe("v2");
    expect(parseMountinfo("32 31 0:29 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu").layout).toBe("v1");
  });

  test("keys co-mounted controllers by their sorted list", () => {
    const m = parseMountinfo("32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpuacct,cpu");
    expect(m.v1.get("cpu,cpuacct")?.controllers).toEqual(["cpu", "cpuacct"]);
  });

  test("throws a one-line error when no cgroup filesystem is mounted", () => {
    expect(() => parseMountinfo("22 1 8:1 / / rw - ext4 /dev/sda1 rw")).toThrow("Detecting the cgroup layout: no cgroup");
  });
});

describe("parseProcCgroup", () => {
  test("keys v1 lines by sorted controllers and the v2 line by the empty string", () => {
    const p = parseProcCgroup("4:memory:/process_api/abc\n2:cpuacct,cpu:/\n1:name=systemd:/\n0::/user.slice\n");
    expect(p.get("memory")).toBe("/process_api/abc");
    expect(p.get("cpu,cpuacct")).toBe("/");
    expect(p.get("")).toBe("/user.slice");
  });
});

describe("dirOf", () => {
  test("joins the hierarchy path to the mount point", () => {
    expect(dirOf({ controllers: [], mountpoint: "/sys/fs/cgroup/memory", root: "/" }, "/a/b")).toBe("/sys/fs/cgroup/memory/a/b");
    expect(dirOf({ controllers: [], mountpoint: "/sys/fs/cgroup", root: "/" }, "/")).toBe("/sys/fs/cgroup");
  });

  test("strips the mount's root when the mount shows a subtree", () => {
    expect(dirOf({ controllers: [], mountpoint: "/sys/fs/cgroup", root: "/ctr" }, "/ctr/x")).toBe("/sys/fs/cgroup/x");
  });

  test("refuses a path outside the mounted subtree", () => {
    expect(() => dirOf({ controllers: [], mountpoint: "/sys/fs/cgroup", root: "/ctr" }, "/ctr2/x")).toThrow("outside the mount");
  });
});
