// The plan of an `exec`: join every namespace of the running container and its cgroup, then run the program.
import type { Process } from "../spec/config.ts";
import { NAMESPACES, namespacePath, type NamespaceType } from "../spec/namespaces.ts";
import { EARLY_TYPES, earlySteps, processPlan } from "./build-plan.ts";
import type { HostFds, StagePlan } from "./plan.ts";

export interface ExecPlanInputs {
  id: string;
  bundle: string;
  /** Host PID of the container's init, whose namespaces are joined. */
  pid: number;
  namespaces: readonly NamespaceType[];
  process: Process;
  /** The container's linux.personality (personalityOf), which an exec'd program shares with the init. */
  personality: number | null;
  consoleSocket: string | null;
  cgroupProcs: string[];
  hostFds: HostFds;
}

export const buildExecPlan = (p: ExecPlanInputs): StagePlan => ({
  id: p.id,
  bundle: p.bundle,
  rootfs: "/",
  unshareFlags: 0,
  early: earlySteps(p.namespaces.map((t) => ({ type: t, path: namespacePath(p.pid, t) }))),
  join: p.namespaces.filter((t) => !EARLY_TYPES.has(t)).map((t) => ({ path: namespacePath(p.pid, t), flag: NAMESPACES[t].flag })),
  newUserNamespace: false,
  spawnInit: false,
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
  consoleSocket: p.consoleSocket,
  execFifo: null,
  cgroupProcs: p.cgroupProcs,
  hostFds: p.hostFds,
  cgroupDirs: [],
  cgroupV2: false,
  pauseForHooks: false,
  hooks: { createContainer: [], startContainer: [] },
  stateJson: "",
});
