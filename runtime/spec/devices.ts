// What every container's /dev holds, as the OCI spec's "default devices" section and runc lay it out.
import type { LinuxDevice } from "./config.ts";
import type { LinuxDeviceCgroup } from "./resources.ts";

const chr = (path: string, major: number, minor: number): LinuxDevice => ({
  type: "c",
  path,
  major,
  minor,
  fileMode: 0o666,
  uid: 0,
  gid: 0,
});

/** Created in every container (before the config's own linux.devices, which may override one by path). */
export const DEFAULT_DEVICES: readonly LinuxDevice[] = [
  chr("/dev/null", 1, 3),
  chr("/dev/zero", 1, 5),
  chr("/dev/full", 1, 7),
  chr("/dev/random", 1, 8),
  chr("/dev/urandom", 1, 9),
  chr("/dev/tty", 5, 0),
];

export interface DevSymlink {
  /** Where the link points (symlink(2)'s target). */
  target: string;
  /** The link inside the container. */
  path: string;
  /** Made only when `target` exists on the host (runc's rule for /dev/core). */
  onlyIfTargetExists?: boolean;
}

/** The /dev symlinks of the spec; /dev/ptmx points into the container's own devpts instance. */
export const DEFAULT_SYMLINKS: readonly DevSymlink[] = [
  { target: "/proc/self/fd", path: "/dev/fd" },
  { target: "/proc/self/fd/0", path: "/dev/stdin" },
  { target: "/proc/self/fd/1", path: "/dev/stdout" },
  { target: "/proc/self/fd/2", path: "/dev/stderr" },
  { target: "pts/ptmx", path: "/dev/ptmx" },
  { target: "/proc/kcore", path: "/dev/core", onlyIfTargetExists: true },
];

const allow = (type: "c" | "b", major: number | undefined, minor: number | undefined, access: string): LinuxDeviceCgroup => ({
  allow: true,
  type,
  ...(major === undefined ? {} : { major }),
  ...(minor === undefined ? {} : { minor }),
  access,
});

/**
 * The device cgroup rules runc always appends after the config's own (libcontainer's AllowedDevices): mknod of
 * anything, the default devices, ptys and /dev/net/tun. An absent major or minor is the `*` wildcard.
 */
export const DEFAULT_DEVICE_RULES: readonly LinuxDeviceCgroup[] = [
  allow("c", undefined, undefined, "m"),
  allow("b", undefined, undefined, "m"),
  ...DEFAULT_DEVICES.map((d) => allow("c", d.major, d.minor, "rwm")),
  allow("c", 136, undefined, "rwm"),
  allow("c", 5, 2, "rwm"),
  allow("c", 10, 200, "rwm"),
];
