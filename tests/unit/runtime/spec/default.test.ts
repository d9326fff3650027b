import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../../../runtime/cli/main.ts";
import { parseConfig } from "../../../../runtime/spec/config.ts";
import { defaultConfig, toRootless, writeDefaultConfig } from "../../../../runtime/spec/default.ts";

const dir = mkdtempSync(join(tmpdir(), "bunker-default-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("defaultConfig()", () => {
  test("is a valid config that runs sh on a terminal in a read-only rootfs", () => {
    const c = parseConfig(defaultConfig(), "/b");
    expect(c.process.args).toEqual(["sh"]);
    expect(c.process.terminal).toBe(true);
    expect(c.root).toEqual({ path: "/b/rootfs", readonly: true });
  });

  test("gives runc's three capabilities and namespaces with a cgroup namespace", () => {
    const c = defaultConfig();
    expect(c.process.capabilities).toEqual({
      bounding: ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
      effective: ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
      permitted: ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
    });
    expect(c.linux?.namespaces?.map((n) => n.type)).toEqual(["pid", "network", "ipc", "uts", "mount", "cgroup"]);
    expect(c.mounts?.map((m) => m.destination)).toEqual(["/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys", "/sys/fs/cgroup"]);
    expect(c.linux?.maskedPaths).toContain("/proc/kcore");
    expect(c.linux?.readonlyPaths).toContain("/proc/sys");
  });
});

describe("toRootless()", () => {
  const c = toRootless(defaultConfig(), 1000, 1001);

  test("maps the caller to root in a new user namespace and drops the network namespace", () => {
    expect(c.linux?.namespaces?.map((n) => n.type)).toEqual(["pid", "ipc", "uts", "mount", "cgroup", "user"]);
    expect(c.linux?.uidMappings).toEqual([{ containerID: 0, hostID: 1000, size: 1 }]);
    expect(c.linux?.gidMappings).toEqual([{ containerID: 0, hostID: 1001, size: 1 }]);
    expect(() => parseConfig(c, "/b")).not.toThrow();
  });

  test("bind-mounts /sys, drops uid=/gid= options and cgroup resources", () => {
    expect(c.mounts?.find((m) => m.destination === "/sys")).toEqual({
      destination: "/sys", type: "none", source: "/sys", options: ["rbind", "nosuid", "noexec", "nodev", "ro"],
    });
    expect(c.mounts?.find((m) => m.destination === "/dev/pts")?.options).not.toContain("gid=5");
    expect(c.linux?.resources).toBeUndefined();
  });

  test("leaves the rootful default untouched", () => {
    const rootful = defaultConfig();
    toRootless(rootful, 1, 1);
    expect(rootful).toEqual(defaultConfig());
  });
});

describe("writeDefaultConfig()", () => {
  test("writes config.json that loads back as the default", () => {
    const b = mkdtempSync(join(dir, "b-"));
    writeDefaultConfig(b, { rootless: false, uid: 0, gid: 0 });
    expect(JSON.parse(readFileSync(join(b, "config.json"), "utf8"))).toEqual(defaultConfig());
  });

  test("refuses to overwrite an existing config.json", () => {
    const b = mkdtempSync(join(dir, "b-"));
    writeFileSync(join(b, "config.json"), "mine");
    expect(() => writeDefaultConfig(b, { rootless: false, uid: 0, gid: 0 })).toThrow(`File exists: '${b}/config.json'`);
    expect(readFileSync(join(b, "config.json"), "utf8")).toBe("mine");
  });
});

describe("bunker spec", () => {
  test("writes a rootless config into --bundle and exits 0", async () => {
    const b = mkdtempSync(join(dir, "cli-"));
    expect(await main(["spec", "--bundle", b, "--rootless"])).toBe(0);
    const c = JSON.parse(readFileSync(join(b, "config.json"), "utf8"));
    expect(c.linux.uidMappings[0].hostID).toBe(process.geteuid!());
  });

  test("exits 1 when config.json exists", async () => {
    const b = mkdtempSync(join(dir, "cli-"));
    writeFileSync(join(b, "config.json"), "{}");
    expect(await main(["spec", "-b", b])).toBe(1);
    expect(existsSync(join(b, "config.json"))).toBe(true);
  });
});
