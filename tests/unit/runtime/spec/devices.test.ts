import { describe, expect, test } from "bun:test";
import { statSync } from "node:fs";
import { DEFAULT_DEVICES, DEFAULT_DEVICE_RULES, DEFAULT_SYMLINKS } from "../../../../runtime/spec/devices.ts";

describe("default devices", () => {
  test("are the six the OCI spec names, as character devices 0666 owned by root", () => {
    expect(DEFAULT_DEVICES.map((d) => `${d.path} ${d.type} ${d.major}:${d.minor}`)).toEqual([
      "/dev/null c 1:3",
      "/dev/zero c 1:5",
      "/dev/full c 1:7",
      "/dev/random c 1:8",
      "/dev/urandom c 1:9",
      "/dev/tty c 5:0",
    ]);
    for (const d of DEFAULT_DEVICES) expect([d.fileMode, d.uid, d.gid]).toEqual([0o666, 0, 0]);
  });

  test("have the numbers of this host's own device nodes", () => {
    for (const d of DEFAULT_DEVICES) {
      const st = statSync(d.path);
      expect(st.isCharacterDevice()).toBe(true);
      // Linux's st_rdev for majors and minors below 256: major << 8 | minor.
      expect([st.rdev >> 8, st.rdev & 0xff]).toEqual([d.major!, d.minor!]);
    }
  });

  test("come with the spec's /dev symlinks, /dev/core only where /proc/kcore exists", () => {
    expect(DEFAULT_SYMLINKS.map((l) => `${l.path} -> ${l.target}`)).toEqual([
      "/dev/fd -> /proc/self/fd",
      "/dev/stdin -> /proc/self/fd/0",
      "/dev/stdout -> /proc/self/fd/1",
      "/dev/stderr -> /proc/self/fd/2",
      "/dev/ptmx -> pts/ptmx",
      "/dev/core -> /proc/kcore",
    ]);
    expect(DEFAULT_SYMLINKS.filter((l) => l.onlyIfTargetExists).map((l) => l.path)).toEqual(["/dev/core"]);
  });

  test("are allowed by the default device cgroup rules, with mknod of anything", () => {
    const allows = (type: string, major: number, minor: number, access: string): boolean =>
      DEFAULT_DEVICE_RULES.some(
        (r) => r.allow && r.type === type && (r.major ?? major) === major && (r.minor ?? minor) === minor && [...access].every((a) => r.access!.includes(a)),
      );
    for (const d of DEFAULT_DEVICES) expect(allows("c", d.major!, d.minor!, "rwm")).toBe(true);
    expect(allows("c", 136, 7, "rw")).toBe(true); // /dev/pts/7
    expect(allows("c", 5, 2, "rw")).toBe(true); // /dev/ptmx
    expect(allows("b", 8, 0, "m")).toBe(true);
    expect(allows("b", 8, 0, "r")).toBe(false);
    expect(allows("c", 10, 229, "rw")).toBe(false); // /dev/fuse is not in the defaults
  });
});
