// Device cgroup rules in the shape both drivers use, the OCI default devices, and the conversion from linux.resources.
import type { LinuxDeviceCgroup } from "../../spec/resources.ts";

/** -1 is the wildcard (`*`) for major and minor. */
export interface DeviceRule {
  allow: boolean;
  type: "a" | "b" | "c";
  major: number;
  minor: number;
  /** Some of "rwm", in that order. */
  access: string;
}

export const WILDCARD = -1;

/** Access letters normalised to the canonical order, without duplicates. */
export const normAccess = (access: string): string => [..."rwm"].filter((c) => access.includes(c)).join("");

export const fromSpec = (d: LinuxDeviceCgroup): DeviceRule => ({
  allow: d.allow,
  type: d.type ?? "a",
  major: d.major ?? WILDCARD,
  minor: d.minor ?? WILDCARD,
  // runtime-spec leaves an absent access undefined; cgroup v1 reads a rule without one as "rwm".
  access: normAccess(d.access ?? "rwm"),
});

const allow = (type: "b" | "c", major: number, minor: number, access: string): DeviceRule => ({ allow: true, type, major, minor, access });

/** What every container may use whatever its config says, as runc appends them: mknod of any node, the standard
 * character devices, and the pseudo-terminals. Block devices stay out: root inside must not reach /dev/sda. */
export const DEFAULT_DEVICE_RULES: readonly DeviceRule[] = [
  allow("c", WILDCARD, WILDCARD, "m"),
  allow("b", WILDCARD, WILDCARD, "m"),
  allow("c", 1, 3, "rwm"), // /dev/null
  allow("c", 1, 5, "rwm"), // /dev/zero
  allow("c", 1, 7, "rwm"), // /dev/full
  allow("c", 1, 8, "rwm"), // /dev/random
  allow("c", 1, 9, "rwm"), // /dev/urandom
  allow("c", 5, 0, "rwm"), // /dev/tty
  allow("c", 5, 2, "rwm"), // /dev/ptmx
  allow("c", 136, WILDCARD, "rwm"), // /dev/pts/*
];

/** The rules a container gets: deny everything, then its config's rules, then the defaults (runc's order). */
export const containerDeviceRules = (devices: readonly LinuxDeviceCgroup[] | undefined): DeviceRule[] => [
  { allow: false, type: "a", major: WILDCARD, minor: WILDCARD, access: "rwm" },
  ...(devices ?? []).map(fromSpec),
  ...DEFAULT_DEVICE_RULES,
];

/** The devices.allow / devices.deny line of a rule: "c 1:3 rwm", "b *:* m", "a". */
export const v1Line = (r: DeviceRule): string =>
  r.type === "a" ? "a" : `${r.type} ${r.major < 0 ? "*" : r.major}:${r.minor < 0 ? "*" : r.minor} ${r.access}`;
