// The factory that picks the cgroup driver for this machine's layout (v2, v1 or hybrid, detected from
// /proc/self/mountinfo).
//
// Placement follows runc's cgroupfs driver: an absolute linux.cgroupsPath is used as is in every hierarchy; a relative
// one, and the default (the container id), is taken below the caller's own cgroup in each v1 hierarchy and below the
// parent of the caller's cgroup in the unified one (see paths.ts). `path` is what to pass back as cgroupsPath to
// find the same cgroups again: the absolute path when it is the same in every hierarchy, else the relative path as
// given (this host's memory hierarchy is nested, so a relative path resolves differently there; another process
// finds the cgroups again only from the same cgroups as the creator).
import { posix } from "node:path";
import { hostCgroupFs, type CgroupFs } from "./fs.ts";
import { HybridManager } from "./hybrid.ts";
import type { CgroupManager } from "./manager.ts";
import { dirOf, parseMountinfo, parseProcCgroup, SYSTEMD_HIERARCHY } from "./mounts.ts";
import { resolveCgroupPath } from "./paths.ts";
import { V1Manager, type V1Dir } from "./v1/manager.ts";
import { V2Manager } from "./v2/manager.ts";

export function cgroupManager(opts: { cgroupsPath?: string; id: string }, fs: CgroupFs = hostCgroupFs()): CgroupManager {
  const mounts = parseMountinfo(fs.read("/proc/self/mountinfo"));
  const own = parseProcCgroup(fs.read("/proc/self/cgroup"));
  const resolve = (key: string, unified: boolean): string => resolveCgroupPath(opts.cgroupsPath, opts.id, own.get(key) ?? "/", unified);

  // The name=systemd hierarchy is joined like a controller's, as runc joins it: a containerized systemd, and an engine
  // that reads /proc/PID/cgroup, find the container's cgroup there too.
  const v1Hierarchies = [...mounts.v1, ...(mounts.systemd ? [[SYSTEMD_HIERARCHY, mounts.systemd] as const] : [])];
  const v1: V1Dir[] = v1Hierarchies.map(([key, h]) => ({
    hierarchy: posix.basename(h.mountpoint),
    controllers: h.controllers,
    mountpoint: h.mountpoint,
    dir: dirOf(h, resolve(key, false)),
  }));
  const v2Path = mounts.v2 ? resolve("", true) : "";
  const paths = new Set([...v1Hierarchies.map(([k]) => resolve(k, false)), ...(mounts.v2 ? [v2Path] : [])]);
  const [only] = paths;
  const path = paths.size === 1 && only ? only : opts.cgroupsPath || opts.id;

  const v2 = mounts.v2 ? new V2Manager(path, mounts.v2.mountpoint, dirOf(mounts.v2, v2Path), fs) : undefined;
  if (mounts.layout === "v2" && v2) return v2;
  const v1Manager = new V1Manager(path, v1, fs);
  if (mounts.layout === "hybrid" && v2) return new HybridManager(path, v1Manager, v2, fs);
  return v1Manager;
}
