import { describe, expect, test } from "bun:test";
import { BUNDLES, bundleConfig } from "../../../board/bundles.ts";
import { parseConfig } from "../../../runtime/spec/config.ts";

describe("the board suite's bundles", () => {
  test("every bundle's config.json passes bunker's own config checks", () => {
    for (const [name, spec] of Object.entries(BUNDLES)) expect(() => parseConfig(bundleConfig(name, spec), `/b/${name}`)).not.toThrow();
  });

  test("allns asks for all eight namespaces and maps root for the user namespace", () => {
    const c = bundleConfig("allns", BUNDLES.allns!);
    expect(c.linux?.namespaces?.map((n) => n.type).sort()).toEqual(["cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts"]);
    expect(c.linux?.uidMappings).toEqual([{ containerID: 0, hostID: 0, size: 65536 }]);
  });

  test("hello uses runc's default namespaces, with no user namespace and so no ID mappings", () => {
    const c = bundleConfig("hello", BUNDLES.hello!);
    expect(c.linux?.namespaces?.map((n) => n.type)).toEqual(["pid", "network", "ipc", "uts", "mount", "cgroup"]);
    expect(c.linux?.uidMappings).toBeUndefined();
  });

  test("each bundle has its own cgroup below /bunker-board, where the suite reads it back", () => {
    expect(bundleConfig("limits", BUNDLES.limits!).linux?.cgroupsPath).toBe("/bunker-board/limits");
  });
});
