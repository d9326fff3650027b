import { describe, expect, test } from "bun:test";
import { CAPABILITY_NAMES, capabilityMask, capabilityNumber, isCapabilityName } from "../../../../runtime/spec/capabilities.ts";

describe("capabilities", () => {
  test("capabilityNumber() knows CAP_CHOWN as 0 and CAP_CHECKPOINT_RESTORE as 40", () => {
    expect(capabilityNumber("CAP_CHOWN")).toBe(0);
    expect(capabilityNumber("CAP_NET_BIND_SERVICE")).toBe(10);
    expect(capabilityNumber("CAP_SYS_ADMIN")).toBe(21);
    expect(capabilityNumber("CAP_SETFCAP")).toBe(31);
    expect(capabilityNumber("CAP_MAC_OVERRIDE")).toBe(32);
    expect(capabilityNumber("CAP_CHECKPOINT_RESTORE")).toBe(40);
  });

  test("CAPABILITY_NAMES lists 0..40 in number order without gaps", () => {
    expect(CAPABILITY_NAMES.map(capabilityNumber)).toEqual([...Array(41).keys()]);
  });

  test("capabilityNumber() names an unknown capability in its error", () => {
    expect(() => capabilityNumber("CAP_FLY")).toThrow("Unknown capability: 'CAP_FLY'");
    expect(() => capabilityNumber("KILL")).toThrow("Unknown capability: 'KILL'");
    expect(isCapabilityName("CAP_KILL")).toBe(true);
    expect(isCapabilityName("cap_kill")).toBe(false);
  });

  test("capabilityMask() splits the set into capset's low and high words", () => {
    expect(capabilityMask([])).toEqual({ low: 0, high: 0 });
    expect(capabilityMask(["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"])).toEqual({ low: (1 << 29) | (1 << 5) | (1 << 10), high: 0 });
    expect(capabilityMask(["CAP_SETFCAP"])).toEqual({ low: 0x8000_0000, high: 0 });
    expect(capabilityMask(["CAP_MAC_OVERRIDE", "CAP_CHECKPOINT_RESTORE"])).toEqual({ low: 0, high: 0x101 });
    expect(capabilityMask(CAPABILITY_NAMES)).toEqual({ low: 0xffff_ffff, high: 0x1ff });
  });

  test("capabilityMask() rejects an unknown name", () => {
    expect(() => capabilityMask(["CAP_KILL", "CAP_NOPE"])).toThrow("Unknown capability: 'CAP_NOPE'");
  });
});
