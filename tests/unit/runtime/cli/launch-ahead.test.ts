import { describe, expect, test } from "bun:test";
import { bundleInArgs, VALUE_FLAGS } from "../../../../runtime/cli/launch-ahead.ts";
import { command as run } from "../../../../runtime/cli/commands/run.ts";
import { command as create } from "../../../../runtime/cli/commands/create.ts";

describe("bundleInArgs()", () => {
  test("finds --bundle, -b and --bundle= before the container's ID, and the current directory without one", () => {
    expect(bundleInArgs(["--bundle", "/b", "id"])).toBe("/b");
    expect(bundleInArgs(["-d", "-b", "/b", "id"])).toBe("/b");
    expect(bundleInArgs(["--pid-file", "/p", "--bundle=/b", "id"])).toBe("/b");
    expect(bundleInArgs(["id"])).toBe(".");
  });

  test("never reads the program's arguments after the ID, and gives none for a container made from an image", () => {
    expect(bundleInArgs(["id", "prog", "--bundle", "/x"])).toBe(".");
    expect(bundleInArgs(["--image", "busybox", "id"])).toBeUndefined();
    expect(bundleInArgs(["--image=busybox", "id"])).toBeUndefined();
  });

  test("knows every flag of create and run that takes a value", () => {
    const valued = [...create.flags, ...run.flags].filter((f) => f.kind !== "bool");
    const names = new Set(valued.flatMap((f) => [`--${f.name}`, ...(f.short ? [`-${f.short}`] : [])]));
    expect([...names].sort()).toEqual([...VALUE_FLAGS].sort());
  });
});
