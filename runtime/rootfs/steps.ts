// The root filesystem steps of the setup stage's plan (process/plan.ts), as the parent computes them: numbers and
// absolute paths only.

export interface MountStep {
  source: string | null;
  fstype: string | null;
  flags: number;
  data: string | null;
  /** MS_SHARED/MS_SLAVE/... (with MS_REC when recursive), applied one by one after the mount. */
  propagation: number[];
  /** Create the target as a file (a bind of a non-directory) rather than a directory. */
  targetIsFile: boolean;
  /** The spec destination: a path inside the rootfs, resolved there when the mount is made (in-root.ts). */
  destination: string;
  /** mount_setattr(2) attributes applied to the whole new mount tree (the rro, rnosuid, ... options), or null. */
  recursiveAttrs: { set: number; clear: number } | null;
  /** tmpcopyup: the new tmpfs starts with a copy of the directory it covers. */
  copyUp: boolean;
  /** The stage's descriptor of the detached idmapped copy of the source, made by the parent, to attach; or null. */
  idmapFd: number | null;
  /** "cgroup" mounts are expanded by the stage from cgroupDirs. */
  kind: "plain" | "bind" | "cgroup";
}

export interface DeviceStep {
  path: string;
  type: "c" | "b" | "p" | "u";
  major: number;
  minor: number;
  mode: number;
  uid: number;
  gid: number;
}

/** The parts of the stage's plan the rootfs steps read besides their own steps. */
export interface RootfsPlan {
  rootfs: string;
  rootPropagation: number;
  newCgroupNamespace: boolean;
  /** Container cgroup directories per hierarchy, for cgroup mounts ("" = the unified hierarchy). */
  cgroupDirs: { hierarchy: string; dir: string }[];
  cgroupV2: boolean;
}
