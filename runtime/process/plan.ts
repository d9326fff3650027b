// What the setup stage must do, computed by the parent from a validated config: numbers and absolute paths only,
// so the stage does no interpretation and its steps can be tested against a recording fake.
import type { DeviceStep, MountStep, RootfsPlan } from "../rootfs/steps.ts";
import type { SchedulerStep } from "../spec/scheduler.ts";
import type { EarlyStep } from "./early.ts";

export interface CapabilityMasks {
  bounding: string;
  effective: string;
  permitted: string;
  inheritable: string;
  ambient: number[];
}

/** Descriptors the stage inherits from the parent (see host-files.ts), as numbered in the stage. */
export interface HostFds {
  cgroupProcs: number[];
  /** The listening start socket of a container being created (null for `exec`, which runs at once). */
  start: number | null;
  consoleSocket: number | null;
  /** Detached idmapped copies of bind sources (idmapped-mounts.ts), by index in the config's mounts. */
  idmappedMounts: { mount: number; fd: number }[];
}

export interface StagePlan extends RootfsPlan {
  id: string;
  bundle: string;
  /** CLONE_* flags the stage unshares itself (PID and time namespaces are made by the parent for its child). */
  unshareFlags: number;
  /** Steps taken first thing, while the stage is single-threaded: making or joining the user namespace, joining a
   * time namespace. Passed in the environment (see early.ts). */
  early: EarlyStep[];
  /** Namespaces to join once the plan is read. */
  join: { path: string; flag: number }[];
  newUserNamespace: boolean;
  /** A new PID namespace owned by the new user namespace: this stage makes it and starts a second stage as its PID 1. */
  spawnInit: boolean;
  /** The stage enters an existing container: it joins the PID namespace (in `join`) for its children only and
   * starts the program with posix_spawn instead of becoming it (see finishAndExec). */
  spawnProcess: boolean;
  newMountNamespace: boolean;
  readonlyRoot: boolean;
  mounts: MountStep[];
  /** Create the default devices and /dev symlinks (only when /dev is a fresh mount). */
  populateDev: boolean;
  /** In a user namespace mknod is not allowed: bind-mount the host's device nodes instead. */
  bindDevices: boolean;
  devices: DeviceStep[];
  maskedPaths: string[];
  readonlyPaths: string[];
  hostname: string | null;
  domainname: string | null;
  sysctl: Record<string, string>;
  /** Offsets written to /proc/self/timens_offsets after unsharing the time namespace. */
  timeOffsets: { monotonic?: { secs?: number; nanosecs?: number }; boottime?: { secs?: number; nanosecs?: number } } | null;
  rlimits: { resource: number; soft: string; hard: string; name: string }[];
  capabilities: CapabilityMasks | null;
  noNewPrivileges: boolean;
  /** sched_setattr(2) of process.scheduler, or null. */
  scheduler: SchedulerStep | null;
  /** ioprio_set(2)'s value for process.ioPriority, or null. */
  ioPriority: number | null;
  /** personality(2)'s persona for linux.personality, or null. */
  personality: number | null;
  /** The AppArmor profile the program starts under (the parent checked that the host has AppArmor), or null. */
  apparmorProfile: string | null;
  /** process.execCPUAffinity as CPU numbers: while the stage works, and once it joined the cgroup. */
  cpuAffinity: { initial: number[] | null; final: number[] | null };
  /** Loaded last before execve, or before the capabilities are dropped when there is no no_new_privs. */
  seccomp: SeccompStep | null;
  user: { uid: number; gid: number; additionalGids: number[]; umask: number | null };
  cwd: string;
  args: string[];
  env: string[];
  terminal: boolean;
  /** Without a terminal, the program's stdio is the container's /dev/null, not the caller's (a detached `run`). */
  nullStdio: boolean;
  consoleSocket: string | null;
  consoleSize: { height: number; width: number } | null;
  /** cgroup.procs files the stage writes "0" into: early with a cgroup namespace, otherwise as the last step of create. */
  cgroupProcs: string[];
  hostFds: HostFds;
  /** Pause after the mounts for the parent's prestart/createRuntime hooks. */
  pauseForHooks: boolean;
  hooks: {
    createContainer: HookStep[];
    startContainer: HookStep[];
  };
  /** The OCI state JSON hooks receive on stdin. */
  stateJson: string;
}

/** The container's seccomp filter, compiled by the parent (runtime/seccomp/): the stage only loads it. */
export interface SeccompStep {
  /** struct sock_filter[], base64. */
  program: string;
  /** SECCOMP_FILTER_FLAG_* bits for seccomp(2); NEW_LISTENER when a rule notifies. */
  flags: number;
  /** The socket the notify fd goes to, with the container's state (SCMP_ACT_NOTIFY). */
  listener: { path: string; metadata: string | null } | null;
}

export interface HookStep {
  path: string;
  args: string[];
  env: string[];
  timeout: number | null;
}
