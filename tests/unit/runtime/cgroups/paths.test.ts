import { describe, expect, test } from "bun:test";
import { resolveCgroupPath } from "../../../../runtime/cgroups/paths.ts";

describe("resolveCgroupPath", () => {
  test("takes an absolute cgroupsPath as it is", () => {
    expect(resolveCgroupPath("/machine/ctr", "id", "/own", false)).toBe("/machine/ctr");
    expect(resolveCgroupPath("/machine//ctr/", "id", "/own", true)).toBe("/machine/ctr");
  });

  test("puts a relative cgroupsPath below the caller's own v1 cgroup", () => {
    expect(resolveCgroupPath("bunker/ctr", "id", "/process_api/abc", false)).toBe("/process_api/abc/bunker/ctr");
  });

  test("puts a relative cgroupsPath below the parent of the caller's v2 cgroup", () => {
    expect(resolveCgroupPath("ctr", "id", "/user.slice/session-1.scope", true)).toBe("/user.slice/ctr");
    expect(resolveCgroupPath("ctr", "id", "/", true)).toBe("/ctr");
  });

  test("defaults to the container id, relative", () => {
    expect(resolveCgroupPath(undefined, "web", "/", false)).toBe("/web");
    expect(resolveCgroupPath("", "web", "/a", false)).toBe("/a/web");
  });

  test("refuses '..' components", () => {
    expect(() => resolveCgroupPath("../escape", "id", "/a", false)).toThrow("must not contain '..'");
  });
});
