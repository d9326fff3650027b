import { describe, expect, test } from "bun:test";
import { CLONE } from "../../../../ffi/constants.ts";
import { stageLaunch, uncheckedNamespaces, uncheckedOomScoreAdj } from "../../../../runtime/process/stage-launch.ts";

const never = (): boolean => {
  throw new Error("procTakesPidns asked, but no PID namespace is joined");
};

describe("stageLaunch()", () => {
  test("a new PID namespace is the stage's; without one it stays in the caller's", () => {
    expect(stageLaunch([{ type: "pid" }, { type: "mount" }], never)).toEqual({ pid: "new", early: "" });
    expect(stageLaunch([{ type: "mount" }], never)).toEqual({ pid: null, early: "" });
  });

  test("with a new user and PID namespace the stage starts its init itself; the user namespace is made early", () => {
    expect(stageLaunch([{ type: "user" }, { type: "pid" }], never)).toEqual({ pid: null, early: "new-user" });
  });

  test("a joined PID namespace: entered for the stage, unless proc takes pidns (then the program is spawned into it)", () => {
    const ns = [{ type: "pid" as const, path: "/proc/7/ns/pid" }, { type: "user" as const, path: "/proc/7/ns/user" }];
    expect(stageLaunch(ns, () => false)).toEqual({ pid: "/proc/7/ns/pid", early: `${CLONE.NEWUSER}:/proc/7/ns/user` });
    expect(stageLaunch(ns, () => true).pid).toBeNull();
  });
});

describe("a config not checked yet", () => {
  test("gives its namespaces only when every entry is what the check lets through", () => {
    expect(uncheckedNamespaces({})).toEqual([]);
    expect(uncheckedNamespaces({ linux: {} })).toEqual([]);
    expect(uncheckedNamespaces({ linux: { namespaces: [{ type: "pid" }, { type: "net", path: "x" }] } })).toBeUndefined();
    expect(uncheckedNamespaces({ linux: { namespaces: [{ type: "pid", path: "relative" }] } })).toBeUndefined();
    expect(uncheckedNamespaces({ linux: { namespaces: [{ type: "pid", path: 5 }] } })).toBeUndefined();
    expect(uncheckedNamespaces({ linux: { namespaces: "pid" } })).toBeUndefined();
    expect(uncheckedNamespaces({ linux: { namespaces: [null] } })).toBeUndefined();
    expect(uncheckedNamespaces({ linux: { namespaces: [{ type: "network", path: "/run/netns/a" }] } })).toEqual([{ type: "network", path: "/run/netns/a" }]);
  });

  test("gives oomScoreAdj only in the range the check takes (null when absent)", () => {
    expect(uncheckedOomScoreAdj({ process: {} })).toBeNull();
    expect(uncheckedOomScoreAdj({ process: { oomScoreAdj: -1000 } })).toBe(-1000);
    expect(uncheckedOomScoreAdj({ process: { oomScoreAdj: 1001 } })).toBeUndefined();
    expect(uncheckedOomScoreAdj({ process: { oomScoreAdj: "5" } })).toBeUndefined();
    expect(uncheckedOomScoreAdj(null)).toBeNull();
  });
});
