import { describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { CLONE } from "../../../../ffi/constants.ts";
import { NAMESPACES, NAMESPACE_TYPES, namespacePath } from "../../../../runtime/spec/namespaces.ts";

describe("namespaces", () => {
  test("maps each OCI type to its clone flag and /proc/<pid>/ns file", () => {
    expect(NAMESPACES).toEqual({
      pid: { flag: 0x20000000, procFile: "pid" },
      network: { flag: 0x40000000, procFile: "net" },
      mount: { flag: 0x20000, procFile: "mnt" },
      ipc: { flag: 0x8000000, procFile: "ipc" },
      uts: { flag: 0x4000000, procFile: "uts" },
      user: { flag: 0x10000000, procFile: "user" },
      cgroup: { flag: 0x2000000, procFile: "cgroup" },
      time: { flag: 0x80, procFile: "time" },
    });
    expect(Object.keys(NAMESPACES)).toEqual([...NAMESPACE_TYPES]);
  });

  test("the flags of all types or together into one positive 32-bit number", () => {
    expect(NAMESPACE_TYPES.reduce((f, t) => f | NAMESPACES[t].flag, 0)).toBe(0x7e020080);
    expect(NAMESPACES.mount.flag | NAMESPACES.uts.flag).toBe(CLONE.NEWNS | CLONE.NEWUTS);
  });

  test("namespacePath() names the ns file of a process", () => {
    expect(namespacePath(42, "network")).toBe("/proc/42/ns/net");
    expect(namespacePath("self", "mount")).toBe("/proc/self/ns/mnt");
  });

  test("the names match the files this kernel offers", () => {
    const present = new Set(readdirSync("/proc/self/ns"));
    for (const t of NAMESPACE_TYPES) {
      if (t === "time" && !present.has("time")) {
        console.log("skip: this kernel has no time namespace");
        continue;
      }
      expect(present.has(NAMESPACES[t].procFile)).toBe(true);
    }
  });
});
