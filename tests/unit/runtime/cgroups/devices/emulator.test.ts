import { describe, expect, test } from "bun:test";
import { DeviceEmulator } from "../../../../../runtime/cgroups/devices/emulator.ts";
import { containerDeviceRules, type DeviceRule } from "../../../../../runtime/cgroups/devices/rules.ts";

const rule = (allow: boolean, type: DeviceRule["type"], major: number, minor: number, access = "rwm"): DeviceRule => ({ allow, type, major, minor, access });

describe("DeviceEmulator", () => {
  test("an 'a' rule resets to allow-all or deny-all", () => {
    const e = DeviceEmulator.of([rule(true, "c", 1, 3), rule(false, "a", -1, -1)]);
    expect(e.defaultAllow).toBe(false);
    expect(e.rules()).toEqual([]);
    expect(DeviceEmulator.of([rule(true, "a", -1, -1)]).defaultAllow).toBe(true);
  });

  test("merges the access of allow rules for the same device", () => {
    const e = DeviceEmulator.of([rule(false, "a", -1, -1), rule(true, "c", 1, 3, "r"), rule(true, "c", 1, 3, "mw")]);
    expect(e.rules()).toEqual([rule(true, "c", 1, 3, "rwm")]);
  });

  test("a deny removes access from a matching allow exception", () => {
    const e = DeviceEmulator.of([rule(false, "a", -1, -1), rule(true, "c", 1, 3), rule(false, "c", 1, 3, "w")]);
    expect(e.rules()).toEqual([rule(true, "c", 1, 3, "rm")]);
  });

  test("refuses to punch a hole in a wildcard exception, which cgroup v1 would silently ignore", () => {
    expect(() => DeviceEmulator.of([rule(false, "a", -1, -1), rule(true, "b", -1, -1, "rwm"), rule(false, "b", 8, 0, "r")])).toThrow(
      "cannot punch a hole in the wildcard rule 'b *:* rwm'",
    );
  });

  test("the container default allows the standard character devices and mknod, and no block device access", () => {
    const rules = DeviceEmulator.of(containerDeviceRules(undefined)).rules();
    expect(rules.filter((r) => r.type === "b")).toEqual([rule(true, "b", -1, -1, "m")]);
    expect(rules).toContainEqual(rule(true, "c", 1, 3, "rwm"));
    expect(rules).toContainEqual(rule(true, "c", 136, -1, "rwm"));
  });

  test("reads devices.list, where 'a *:* rwm' means allow-all", () => {
    expect(DeviceEmulator.fromList("a *:* rwm\n").defaultAllow).toBe(true);
    const e = DeviceEmulator.fromList("c 1:3 rwm\nb *:* m\n");
    expect(e.defaultAllow).toBe(false);
    expect(e.rules()).toEqual([rule(true, "b", -1, -1, "m"), rule(true, "c", 1, 3, "rwm")]);
  });

  test("a transition from allow-all starts with deny-all, then adds the allowed devices", () => {
    const target = DeviceEmulator.of([rule(false, "a", -1, -1), rule(true, "c", 1, 3)]);
    expect(DeviceEmulator.fromList("a *:* rwm").transition(target)).toEqual([rule(false, "a", -1, -1), rule(true, "c", 1, 3)]);
  });

  test("a transition between allow-lists writes only what changed", () => {
    const current = DeviceEmulator.fromList("c 1:3 rwm\nc 1:5 rwm\n");
    const target = DeviceEmulator.of([rule(false, "a", -1, -1), rule(true, "c", 1, 3, "rw"), rule(true, "c", 1, 9)]);
    expect(current.transition(target)).toEqual([rule(false, "c", 1, 3, "m"), rule(false, "c", 1, 5), rule(true, "c", 1, 9)]);
  });
});
