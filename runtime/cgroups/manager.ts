// The one interface the rest of bunker uses for a container's cgroup, and the factory that picks the driver for this
// machine's layout (v2, v1 or hybrid, detected from /proc/self/mountinfo).
//
// Placement follows runc's cgroupfs driver: an absolute linux.cgroupsPath is used as is in every hierarchy; a relative
// one, and the default (the container id), is taken below the caller's own cgroup in each v1 hierarchy and below the
// parent of the caller's cgroup in the unified one (see paths.ts). `path` is what to pass back as cgroupsPath to
// find the same cgroups again: the absolute path when it is the same in every hierarchy, else the relative path as
// given (this host's memory hierarchy is nested, so a relative path resolves differently there; another process
// finds the cgroups again only from the same cgroups as the creator).
import { posix } from "node:path";
import type { LinuxResources } from "../spec/resources.ts";
import { hostCgroupFs, type CgroupFs } from "./fs.ts";
import { HybridManager } from "./hybrid.ts";
import { dirOf, parseMountinfo, parseProcCgroup, type Layout } from "./mounts.ts";
import type { OomWatch } from "./oom.ts";
import { resolveCgroupPath } from "./paths.ts";
import type { CgroupStats } from "./stats.ts";
import { V1Manager, type V1Dir } from "./v1/manager.ts";
import { V2Manager } from "./v2/manager.ts";

export type { CgroupFs } from "./fs.ts";
export type { CgroupStats } from "./stats.ts";
export type { OomWatch } from "./oom.ts";

export interface CgroupManager {
  readonly layout: Layout;
  /** What to pass back as cgroupsPath to reach the same cgroups (see above). */
  readonly path: string;
  /** mkdir -p in every hierarchy used; on v2 enables controllers in the ancestors' cgroup.subtree_control. */
  create(): void;
  /** Writes every resource; throws a one-line error naming the file and value. */
  apply(r: LinuxResources): void;
  /** Absolute cgroup.procs paths; the setup stage opens them and writes "0" right before execve. */
  procsFiles(): string[];
  /** The container's directory per hierarchy ("" is the unified one), for cgroup mounts inside the container. */
  dirs(): { hierarchy: string; dir: string }[];
  /** Places a pid in every hierarchy (exec). */
  addProcess(pid: number): void;
  pids(): number[];
  freeze(): Promise<void>;
  thaw(): Promise<void>;
  frozen(): boolean;
  /** runc's `events` "stats" data. */
  stats(): CgroupStats;
  /** OOM kills in the container's memory cgroup so far (0 without a memory controller). */
  oomKills(): number;
  /** Calls `onOom` each time the kernel OOM-kills in the container, without polling. */
  watchOom(onOom: () => void): OomWatch;
  /** Kills what is left (cgroup.kill where present, else SIGKILL each pid), waits until empty, removes every
   * directory. Idempotent. */
  destroy(): Promise<void>;
}

export function cgroupManager(opts: { cgroupsPath?: string; id: string }, fs: CgroupFs = hostCgroupFs()): CgroupManager {
  const mounts = parseMountinfo(fs.read("/proc/self/mountinfo"));
  const own = parseProcCgroup(fs.read("/proc/self/cgroup"));
  const resolve = (key: string, unified: boolean): string => resolveCgroupPath(opts.cgroupsPath, opts.id, own.get(key) ?? "/", unified);

  const v1: V1Dir[] = [...mounts.v1].map(([key, h]) => ({
    hierarchy: posix.basename(h.mountpoint),
    controllers: h.controllers,
    mountpoint: h.mountpoint,
    dir: dirOf(h, resolve(key, false)),
  }));
  const v2Path = mounts.v2 ? resolve("", true) : "";
  const paths = new Set([...[...mounts.v1.keys()].map((k) => resolve(k, false)), ...(mounts.v2 ? [v2Path] : [])]);
  const [only] = paths;
  const path = paths.size === 1 && only ? only : opts.cgroupsPath || opts.id;

  const v2 = mounts.v2 ? new V2Manager(path, mounts.v2.mountpoint, dirOf(mounts.v2, v2Path), fs) : undefined;
  if (mounts.layout === "v2" && v2) return v2;
  const v1Manager = new V1Manager(path, v1, fs);
  if (mounts.layout === "hybrid" && v2) return new HybridManager(path, v1Manager, v2, fs);
  return v1Manager;
}
