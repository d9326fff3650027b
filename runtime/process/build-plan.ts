// Turns a validated config into the setup stage's plan: every name resolved to a number, every path made absolute.
import { existsSync, statfsSync, statSync } from "node:fs";
import { posix } from "node:path";
import { MS, PROC_SUPER_MAGIC } from "../../ffi/constants.ts";
import type { Config, Hook, LinuxCapabilities, LinuxNamespace, Mount, Process } from "../spec/config.ts";
import { DEFAULT_DEVICES } from "../spec/devices.ts";
import { parseMountOptions, PROPAGATION } from "../spec/mount-options.ts";
import { NAMESPACES, type NamespaceType } from "../spec/namespaces.ts";
import { capabilityMask, capabilityNumber } from "../spec/capabilities.ts";
import { rlimitResource, rlimitValue } from "../spec/rlimits.ts";
import { parseCpuList } from "../spec/cpu-list.ts";
import { persona } from "../spec/personality.ts";
import { isProcRoot } from "../spec/proc-mounts.ts";
import { ioPriorityValue, schedulerStep } from "../spec/scheduler.ts";
import { apparmorProfileFor } from "./apparmor.ts";
import { earlySteps } from "./early.ts";
import { spawnsInit, spawnsProgram } from "./stage-launch.ts";
import type { DeviceStep, MountStep } from "../rootfs/steps.ts";
import { seccompStep } from "./seccomp-plan.ts";
import type { CapabilityMasks, HookStep, HostFds, StagePlan } from "./plan.ts";

export const namespaceFlags = (namespaces: readonly LinuxNamespace[], pred: (n: LinuxNamespace) => boolean): number =>
  namespaces.filter(pred).reduce((f, n) => f | NAMESPACES[n.type].flag, 0);

const toMountStep = (m: Mount, index: number, bundle: string, hostFds: HostFds): MountStep => {
  const opts = parseMountOptions(m.options ?? []);
  const isBind = m.type === "bind" || (opts.flags & MS.BIND) !== 0;
  const source = m.source === undefined ? null : isBind ? posix.resolve(bundle, m.source) : m.source;
  if (isBind && (source === null || !existsSync(source)))
    throw new Error(`Invalid mount '${m.destination}': source '${m.source ?? ""}' does not exist`);
  // runc's rule: what is bound onto /proc is a proc file system, never a directory standing in for one.
  if (isBind && source !== null && isProcRoot(m.destination) && statfsSync(source).type !== PROC_SUPER_MAGIC)
    throw new Error(`Invalid mount '${m.destination}': only a proc file system can be bound onto /proc, and '${m.source ?? ""}' is not one`);
  return {
    source,
    fstype: isBind ? "bind" : (m.type ?? null),
    flags: opts.flags | (isBind ? MS.BIND : 0),
    data: opts.data || null,
    propagation: opts.propagation,
    targetIsFile: isBind && source !== null && !statSync(source).isDirectory(),
    destination: m.destination,
    recursiveAttrs: opts.recAttrSet || opts.recAttrClr ? { set: opts.recAttrSet, clear: opts.recAttrClr } : null,
    copyUp: opts.copyUp,
    idmapFd: hostFds.idmappedMounts.find((x) => x.mount === index)?.fd ?? null,
    kind: m.type === "cgroup" || m.type === "cgroup2" ? "cgroup" : isBind ? "bind" : "plain",
  };
};

const capabilityMasks = (c: LinuxCapabilities | undefined): CapabilityMasks | null => {
  if (!c) return null;
  const mask = (names: readonly string[] | undefined): string => {
    const m = capabilityMask(names ?? []);
    return String((BigInt(m.high) << 32n) | BigInt(m.low));
  };
  return {
    bounding: mask(c.bounding),
    effective: mask(c.effective),
    permitted: mask(c.permitted),
    inheritable: mask(c.inheritable),
    ambient: (c.ambient ?? []).map(capabilityNumber),
  };
};

export const hookSteps = (hooks: readonly Hook[] | undefined): HookStep[] =>
  (hooks ?? []).map((h) => ({ path: h.path, args: h.args ?? [h.path], env: h.env ?? [], timeout: h.timeout ?? null }));

/**
 * The namespaces the stage joins once it has read its plan (user and time namespaces are joined early: early.ts).
 * The mount namespace comes first, so that the container never sees the host's mounts or root through the stage. A
 * PID namespace is joined only by a stage that spawns the program into it (plan.spawnProcess): setns() moves only
 * the children. Otherwise the parent starts the stage in it.
 */
export const joinSteps = (namespaces: readonly { type: NamespaceType; path?: string }[], spawnProcess: boolean): StagePlan["join"] =>
  namespaces
    .filter((n) => n.path && n.type !== "user" && n.type !== "time" && (n.type !== "pid" || spawnProcess))
    .sort((a, b) => Number(b.type === "mount") - Number(a.type === "mount"))
    .map((n) => ({ path: n.path!, flag: NAMESPACES[n.type].flag }));

/** The part of the plan that describes the program itself; shared by `create` and `exec`. */
export const processPlan = (proc: Process) => ({
  rlimits: (proc.rlimits ?? []).map((r) => ({
    name: r.type,
    resource: rlimitResource(r.type),
    soft: String(rlimitValue(r.soft)),
    hard: String(rlimitValue(r.hard)),
  })),
  capabilities: capabilityMasks(proc.capabilities),
  noNewPrivileges: proc.noNewPrivileges ?? false,
  scheduler: proc.scheduler ? schedulerStep(proc.scheduler) : null,
  ioPriority: proc.ioPriority ? ioPriorityValue(proc.ioPriority) : null,
  apparmorProfile: apparmorProfileFor(proc.apparmorProfile),
  cpuAffinity: {
    initial: proc.execCPUAffinity?.initial ? parseCpuList(proc.execCPUAffinity.initial) : null,
    final: proc.execCPUAffinity?.final ? parseCpuList(proc.execCPUAffinity.final) : null,
  },
  user: { uid: proc.user.uid, gid: proc.user.gid, additionalGids: proc.user.additionalGids ?? [], umask: proc.user.umask ?? null },
  cwd: proc.cwd,
  args: proc.args,
  env: proc.env ?? [],
  terminal: proc.terminal ?? false,
  consoleSize: proc.consoleSize ?? null,
});

/** The container's linux.personality as personality(2) takes it: for its init and for every exec. */
export const personalityOf = (config: Config): number | null => (config.linux?.personality ? persona(config.linux.personality) : null);

export interface PlanInputs {
  id: string;
  bundle: string;
  config: Config;
  consoleSocket: string | null;
  cgroupProcs: string[];
  hostFds: HostFds;
  cgroupDirs: { hierarchy: string; dir: string }[];
  cgroupV2: boolean;
  stateJson: string;
  /** proc takes a "pidns" (ffi/mount.ts procTakesPidns); asked only for a config that joins a PID namespace. */
  procTakesPidns: () => boolean;
  nullStdio: boolean;
}

export const buildPlan = (p: PlanInputs): StagePlan => {
  const { config } = p;
  const linux = config.linux ?? {};
  const namespaces = linux.namespaces ?? [];
  const has = (t: NamespaceType): boolean => namespaces.some((n) => n.type === t);
  const fresh = (t: NamespaceType): boolean => namespaces.some((n) => n.type === t && !n.path);
  const joinsPid = spawnsProgram(namespaces, p.procTakesPidns);
  const rootfs = config.root.path;
  const mounts = (config.mounts ?? []).map((m, i) => toMountStep(m, i, p.bundle, p.hostFds));
  const devMount = mounts.find((m) => m.destination === "/dev");
  const userns = has("user");
  const devices: DeviceStep[] = [...DEFAULT_DEVICES, ...(linux.devices ?? [])].map((d) => ({
    path: d.path,
    type: d.type,
    major: d.major ?? 0,
    minor: d.minor ?? 0,
    mode: d.fileMode ?? 0o666,
    uid: d.uid ?? 0,
    gid: d.gid ?? 0,
  }));
  return {
    id: p.id,
    bundle: p.bundle,
    rootfs,
    // PID namespaces are made for the stage by the parent (or, under a new user namespace, by the stage for its init);
    // the time namespace is entered at execve.
    unshareFlags: namespaceFlags(namespaces, (n) => !n.path && n.type !== "pid"),
    early: earlySteps(namespaces.map((n) => ({ type: n.type, path: n.path }))),
    join: joinSteps(namespaces, joinsPid),
    newUserNamespace: fresh("user"),
    spawnInit: spawnsInit(namespaces),
    spawnProcess: joinsPid,
    newCgroupNamespace: fresh("cgroup"),
    newMountNamespace: has("mount"),
    rootPropagation: PROPAGATION[linux.rootfsPropagation ?? "rslave"]!,
    readonlyRoot: config.root.readonly ?? false,
    mounts,
    populateDev: devMount !== undefined && devMount.kind !== "bind",
    bindDevices: userns,
    devices,
    maskedPaths: linux.maskedPaths ?? [],
    readonlyPaths: linux.readonlyPaths ?? [],
    hostname: config.hostname ?? null,
    domainname: config.domainname ?? null,
    sysctl: linux.sysctl ?? {},
    timeOffsets: fresh("time") && linux.timeOffsets ? linux.timeOffsets : null,
    personality: personalityOf(config),
    ...processPlan(config.process),
    seccomp: linux.seccomp ? seccompStep(linux.seccomp) : null,
    consoleSocket: p.consoleSocket,
    nullStdio: p.nullStdio,
    cgroupProcs: p.cgroupProcs,
    hostFds: p.hostFds,
    cgroupDirs: p.cgroupDirs,
    cgroupV2: p.cgroupV2,
    pauseForHooks: (config.hooks?.prestart?.length ?? 0) + (config.hooks?.createRuntime?.length ?? 0) > 0,
    hooks: { createContainer: hookSteps(config.hooks?.createContainer), startContainer: hookSteps(config.hooks?.startContainer) },
    stateJson: p.stateJson,
  };
};
