// The plan of an `exec`: join every namespace of the running container and its cgroup, then spawn the program.
import type { Process } from "../spec/config.ts";
import type { NamespaceType } from "../spec/namespaces.ts";
import { joinSteps, processPlan } from "./build-plan.ts";
import { earlySteps } from "./early.ts";
import type { HostFds, SeccompStep, StagePlan } from "./plan.ts";

export interface ExecPlanInputs {
  id: string;
  bundle: string;
  /** The container's namespaces to join: /proc/<init>/ns/<type> files. */
  namespaces: readonly { type: NamespaceType; path: string }[];
  process: Process;
  /** The container's linux.personality (personalityOf), which an exec'd program shares with the init. */
  personality: number | null;
  /** The container's filter (its record's), which an exec'd program gets as the init did. */
  seccomp: SeccompStep | null;
  /** The container's state, for a seccomp listener. */
  stateJson: string;
  consoleSocket: string | null;
  cgroupProcs: string[];
  hostFds: HostFds;
}

export const buildExecPlan = (p: ExecPlanInputs): StagePlan => ({
  id: p.id,
  bundle: p.bundle,
  rootfs: "/",
  unshareFlags: 0,
  early: earlySteps(p.namespaces),
  join: joinSteps(p.namespaces, true),
  newUserNamespace: false,
  spawnInit: false,
  spawnProcess: true,
  newCgroupNamespace: false,
  newMountNamespace: false,
  rootPropagation: 0,
  readonlyRoot: false,
  mounts: [],
  populateDev: false,
  bindDevices: false,
  devices: [],
  maskedPaths: [],
  readonlyPaths: [],
  hostname: null,
  domainname: null,
  sysctl: {},
  timeOffsets: null,
  personality: p.personality,
  ...processPlan(p.process),
  seccomp: p.seccomp,
  consoleSocket: p.consoleSocket,
  nullStdio: false,
  cgroupProcs: p.cgroupProcs,
  hostFds: p.hostFds,
  cgroupDirs: [],
  cgroupV2: false,
  pauseForHooks: false,
  hooks: { createContainer: [], startContainer: [] },
  stateJson: p.stateJson,
});
