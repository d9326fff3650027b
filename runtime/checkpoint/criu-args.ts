// The command lines of a CRIU dump and restore of a container's process tree, with the options runc gives CRIU for
// the same job: the cgroups managed and re-rooted, the mounts from outside the container declared external by their
// destination, the stdio and the joined namespaces from outside declared and handed back, file locks kept.

export interface DumpRequest {
  /** Host PID of the container's init: the root of the tree. */
  pid: number;
  images: string;
  /** CRIU's work directory (its log and scratch files), apart from the images that go into the checkpoint. */
  work: string;
  log: string;
  /** The container's cgroup directory: CRIU takes the tree through its freezer. */
  freezer: string;
  /** The container's cgroup path; the images record cgroups relative to it. */
  cgroupRoot: string;
  /** Destinations in the container of the mounts that come from outside it. */
  mounts: readonly string[];
  /** Keys of open files outside the container's mounts (`file[MNT:INODE]`). */
  files: readonly string[];
  /** The namespaces it joined (`net[INODE]:KEY`). */
  namespaces: readonly string[];
  verbose?: boolean;
}

export interface RestoreRequest {
  images: string;
  work: string;
  log: string;
  /** The container's rootfs, bind-mounted on a directory of its own (CRIU needs a mount point). */
  root: string;
  pidFile: string;
  /** The new container's cgroup path: the dumped cgroups go below it. */
  cgroupRoot: string;
  /** Each external mount's key (its destination) and the host path that now provides it. */
  mounts: readonly { key: string; source: string }[];
  /** bunker's fds that stand in for the dumped pipes, files and joined namespaces, by the key CRIU dumped them under. */
  inherit: readonly { fd: number; key: string }[];
  verbose?: boolean;
}

/** -v2: errors and warnings; -v4 (with --debug) logs every step. */
const verbosity = (verbose?: boolean): string => (verbose ? "-v4" : "-v2");

export const dumpArgs = (r: DumpRequest): string[] => [
  "dump",
  "--tree", String(r.pid),
  "--images-dir", r.images,
  "--work-dir", r.work,
  "--log-file", r.log,
  verbosity(r.verbose),
  "--manage-cgroups",
  "--cgroup-root", r.cgroupRoot,
  "--freeze-cgroup", r.freezer,
  // bunker stops the container itself, once the checkpoint file is safely written: a failed write loses nothing.
  "--leave-running",
  "--file-locks",
  ...r.mounts.flatMap((m) => ["--external", `mnt[${m}]:${m}`]),
  ...[...r.files, ...r.namespaces].flatMap((f) => ["--external", f]),
];

export const restoreArgs = (r: RestoreRequest): string[] => [
  "restore",
  "--images-dir", r.images,
  "--work-dir", r.work,
  "--log-file", r.log,
  verbosity(r.verbose),
  "--root", r.root,
  "--restore-detached",
  "--pidfile", r.pidFile,
  "--manage-cgroups",
  "--cgroup-root", r.cgroupRoot,
  // A device node that moved (another board) is found by its numbers, as runc asks.
  "--evasive-devices",
  "--file-locks",
  ...r.mounts.flatMap((m) => ["--external", `mnt[${m.key}]:${m.source}`]),
  ...r.inherit.flatMap((i) => ["--inherit-fd", `fd[${i.fd}]:${i.key}`]),
];
