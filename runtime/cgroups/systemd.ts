// `--systemd-cgroup` asks for systemd's cgroup driver (a transient unit per container, made over D-Bus, with
// cgroupsPath as "slice:prefix:name"). bunker drives cgroupfs itself and has none: it refuses the flag rather than
// take "system.slice:ctr:ID" for a relative path, as runc refuses it where systemd does not run.
import { existsSync } from "node:fs";

/** sd_booted(3): systemd is the running init when this directory exists. */
export const systemdRunning = (): boolean => existsSync("/run/systemd/system");

export const refuseSystemdDriver = (running: boolean = systemdRunning()): never => {
  throw new Error(
    running
      ? "--systemd-cgroup: bunker has no systemd cgroup driver (it writes cgroupfs itself); leave the flag out"
      : "--systemd-cgroup: systemd is not running on this host, so its cgroup driver cannot be used; leave the flag out",
  );
};
