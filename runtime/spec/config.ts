// config.json of the OCI runtime-spec 1.2, Linux part: the TypeBox schema and its static types, the cross-field rules
// a schema cannot say, and loadConfig(). Unknown properties are allowed, as the spec asks of runtimes (they must be
// ignored, not rejected).
import { Type, type Static, type TLiteral } from "@sinclair/typebox";
import { posix, resolve } from "node:path";
import { DeviceMajor, DeviceMinor, Id, Int32, Int64Exact, Uint16, Uint32, Uint63, Uint64 } from "./integers.ts";
import { NAMESPACE_TYPES, type NamespaceType } from "./namespaces.ts";
import { MS } from "../../ffi/constants.ts";
import { parseMountOptions } from "./mount-options.ts";
import { LinuxResourcesSchema } from "./resources.ts";
import { ERRNO_ACTIONS, NOTIFY_FORBIDDEN, SECCOMP_ACTIONS, SECCOMP_ARCH_NAMES, SECCOMP_FLAG_NAMES, SECCOMP_OPERATORS, type SeccompActionName } from "./seccomp-names.ts";
import { isCapabilityName } from "./capabilities.ts";
import { isRlimitName } from "./rlimits.ts";
import { netDeviceProblems } from "./net-devices.ts";
import { parseCpuList } from "./cpu-list.ts";
import { personalityProblems } from "./personality.ts";
import { procMountProblem } from "./proc-mounts.ts";
import { escapePointer, type Problem } from "./problem.ts";
import { schedulerProblems } from "./scheduler.ts";
import { sysctlNamespace } from "./sysctl.ts";
import { unsupportedLinuxProblems, unsupportedProcessProblems } from "./unsupported.ts";
import { decode } from "./validate.ts";
import { InvalidDocumentError, readConfig } from "./json-text.ts";

export type { LinuxResources } from "./resources.ts";

/** The runtime-spec version bunker writes and implements. */
export const OCI_VERSION = "1.2.0";

const OneOf = <T extends string>(values: readonly T[]) => Type.Union(values.map((v): TLiteral<T> => Type.Literal(v)));
const Strings = () => Type.Array(Type.String());
const StringMap = () => Type.Record(Type.String(), Type.String());
const CpuList = () => Type.String({ pattern: "^[0-9, -]*$" });

/** (uid_t)-1 is never a valid id, so a range ends at 2^32-2 (the kernel's rule; see idMappingProblems). */
export const LinuxIDMappingSchema = Type.Object({
  containerID: Uint32({ maximum: 0xffff_fffe }),
  hostID: Uint32({ maximum: 0xffff_fffe }),
  size: Uint32({ minimum: 1, maximum: 0xffff_ffff }),
});
export type LinuxIDMapping = Static<typeof LinuxIDMappingSchema>;

export const RootSchema = Type.Object(
  {
    /** Relative paths are taken from the bundle; loadConfig() makes it absolute. */
    path: Type.String({ default: "rootfs" }),
    readonly: Type.Optional(Type.Boolean()),
  },
  { default: {} },
);
export type Root = Static<typeof RootSchema>;

export const MountSchema = Type.Object({
  destination: Type.String(),
  source: Type.Optional(Type.String()),
  type: Type.Optional(Type.String()),
  options: Type.Optional(Strings()),
  uidMappings: Type.Optional(Type.Array(LinuxIDMappingSchema)),
  gidMappings: Type.Optional(Type.Array(LinuxIDMappingSchema)),
});
export type Mount = Static<typeof MountSchema>;

export const UserSchema = Type.Object({
  uid: Id(),
  gid: Id(),
  umask: Type.Optional(Uint32({ maximum: 0o777 })),
  additionalGids: Type.Optional(Type.Array(Id())),
});
export type User = Static<typeof UserSchema>;

export const LinuxCapabilitiesSchema = Type.Object({
  bounding: Type.Optional(Strings()),
  effective: Type.Optional(Strings()),
  inheritable: Type.Optional(Strings()),
  permitted: Type.Optional(Strings()),
  ambient: Type.Optional(Strings()),
});
export type LinuxCapabilities = Static<typeof LinuxCapabilitiesSchema>;
export type CapabilitySet = keyof LinuxCapabilities;
export const CAPABILITY_SETS = Object.keys(LinuxCapabilitiesSchema.properties) as CapabilitySet[];

export const POSIXRlimitSchema = Type.Object({
  /** RLIMIT_NOFILE, ... (see rlimits.ts). */
  type: Type.String(),
  hard: Uint64(),
  soft: Uint64(),
});
export type POSIXRlimit = Static<typeof POSIXRlimitSchema>;

export const SCHEDULER_POLICIES = [
  "SCHED_OTHER",
  "SCHED_FIFO",
  "SCHED_RR",
  "SCHED_BATCH",
  "SCHED_ISO",
  "SCHED_IDLE",
  "SCHED_DEADLINE",
] as const;

export const SchedulerSchema = Type.Object({
  policy: OneOf(SCHEDULER_POLICIES),
  nice: Type.Optional(Int32({ minimum: -20, maximum: 19 })),
  /** sched_priority: 1..99 for SCHED_FIFO and SCHED_RR, 0 for the others (see schedulerProblems). */
  priority: Type.Optional(Type.Integer({ minimum: 0, maximum: 99 })),
  flags: Type.Optional(Strings()),
  /** Nanoseconds, SCHED_DEADLINE only; the kernel refuses bit 63. */
  runtime: Type.Optional(Uint63()),
  deadline: Type.Optional(Uint63()),
  period: Type.Optional(Uint63()),
});
export type Scheduler = Static<typeof SchedulerSchema>;

export const IOPrioritySchema = Type.Object({
  class: OneOf(["IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE", "IOPRIO_CLASS_IDLE"] as const),
  priority: Type.Integer({ minimum: 0, maximum: 7 }),
});
export type IOPriority = Static<typeof IOPrioritySchema>;

export const ProcessSchema = Type.Object({
  terminal: Type.Optional(Type.Boolean()),
  /** struct winsize holds unsigned shorts. */
  consoleSize: Type.Optional(Type.Object({ height: Uint16(), width: Uint16() })),
  user: UserSchema,
  args: Strings(),
  env: Type.Optional(Strings()),
  cwd: Type.String({ default: "/" }),
  capabilities: Type.Optional(LinuxCapabilitiesSchema),
  rlimits: Type.Optional(Type.Array(POSIXRlimitSchema)),
  noNewPrivileges: Type.Optional(Type.Boolean()),
  apparmorProfile: Type.Optional(Type.String()),
  oomScoreAdj: Type.Optional(Type.Integer({ minimum: -1000, maximum: 1000 })),
  selinuxLabel: Type.Optional(Type.String()),
  ioPriority: Type.Optional(IOPrioritySchema),
  scheduler: Type.Optional(SchedulerSchema),
  /** cpuset lists ("0-2,7") for the process before and after execve. */
  execCPUAffinity: Type.Optional(
    Type.Object({ initial: Type.Optional(CpuList()), final: Type.Optional(CpuList()) }),
  ),
});
export type Process = Static<typeof ProcessSchema>;

export const HookSchema = Type.Object({
  path: Type.String(),
  args: Type.Optional(Strings()),
  env: Type.Optional(Strings()),
  /** Seconds (as milliseconds, it must fit the 32-bit timer of the engine). */
  timeout: Type.Optional(Type.Integer({ minimum: 1, maximum: 2_147_483 })),
});
export type Hook = Static<typeof HookSchema>;

const HookList = () => Type.Optional(Type.Array(HookSchema));
export const HooksSchema = Type.Object({
  prestart: HookList(),
  createRuntime: HookList(),
  createContainer: HookList(),
  startContainer: HookList(),
  poststart: HookList(),
  poststop: HookList(),
});
export type Hooks = Static<typeof HooksSchema>;
export type HookName = keyof Hooks;
/** In the order the lifecycle runs them. */
export const HOOK_NAMES = Object.keys(HooksSchema.properties) as HookName[];

export const LinuxNamespaceSchema = Type.Object({
  type: OneOf(NAMESPACE_TYPES),
  /** An existing namespace to join (setns) instead of creating one. */
  path: Type.Optional(Type.String()),
});
export type LinuxNamespace = Static<typeof LinuxNamespaceSchema>;

export const LinuxTimeOffsetSchema = Type.Object({ secs: Type.Optional(Int64Exact()), nanosecs: Type.Optional(Uint32({ maximum: 999_999_999 })) });
export type LinuxTimeOffset = Static<typeof LinuxTimeOffsetSchema>;

export const LinuxDeviceSchema = Type.Object({
  /** c (character), b (block), u (unbuffered character), p (FIFO). */
  type: OneOf(["c", "b", "u", "p"] as const),
  path: Type.String(),
  major: Type.Optional(DeviceMajor()),
  minor: Type.Optional(DeviceMinor()),
  /** Permission bits only: the file type comes from `type`. */
  fileMode: Type.Optional(Uint32({ maximum: 0o7777 })),
  uid: Type.Optional(Id()),
  gid: Type.Optional(Id()),
});
export type LinuxDevice = Static<typeof LinuxDeviceSchema>;

/** The kernel passes 16 bits of data with an action: the errno of SCMP_ACT_ERRNO, the message of SCMP_ACT_TRACE. */
const ErrnoRet = () => Uint16();

export const LinuxSeccompSchema = Type.Object({
  defaultAction: OneOf(SECCOMP_ACTIONS),
  defaultErrnoRet: Type.Optional(ErrnoRet()),
  architectures: Type.Optional(Type.Array(OneOf(SECCOMP_ARCH_NAMES))),
  flags: Type.Optional(Type.Array(OneOf(SECCOMP_FLAG_NAMES))),
  listenerPath: Type.Optional(Type.String()),
  listenerMetadata: Type.Optional(Type.String()),
  syscalls: Type.Optional(
    Type.Array(
      Type.Object({
        names: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
        action: OneOf(SECCOMP_ACTIONS),
        errnoRet: Type.Optional(ErrnoRet()),
        args: Type.Optional(
          Type.Array(
            Type.Object({
              index: Type.Integer({ minimum: 0, maximum: 5 }),
              value: Uint64(),
              valueTwo: Type.Optional(Uint64()),
              op: OneOf(SECCOMP_OPERATORS),
            }),
          ),
        ),
      }),
    ),
  ),
});
export type LinuxSeccomp = Static<typeof LinuxSeccompSchema>;

/** runc also takes the recursive spellings; the spec lists the four plain ones. */
export const ROOTFS_PROPAGATIONS = ["private", "rprivate", "shared", "rshared", "slave", "rslave", "unbindable", "runbindable"] as const;

export const LinuxPersonalitySchema = Type.Object({
  domain: OneOf(["LINUX", "LINUX32"] as const),
  flags: Type.Optional(Strings()),
});
export type LinuxPersonality = Static<typeof LinuxPersonalitySchema>;

export const LinuxSchema = Type.Object({
  namespaces: Type.Optional(Type.Array(LinuxNamespaceSchema)),
  uidMappings: Type.Optional(Type.Array(LinuxIDMappingSchema)),
  gidMappings: Type.Optional(Type.Array(LinuxIDMappingSchema)),
  timeOffsets: Type.Optional(
    Type.Object({ monotonic: Type.Optional(LinuxTimeOffsetSchema), boottime: Type.Optional(LinuxTimeOffsetSchema) }),
  ),
  devices: Type.Optional(Type.Array(LinuxDeviceSchema)),
  /** Network devices moved into the container's network namespace, keyed by host name. */
  netDevices: Type.Optional(Type.Record(Type.String(), Type.Object({ name: Type.Optional(Type.String()) }))),
  cgroupsPath: Type.Optional(Type.String()),
  resources: Type.Optional(LinuxResourcesSchema),
  /** Accepted so that configs written for runc load; bunker does not apply it. */
  intelRdt: Type.Optional(
    Type.Object({
      closID: Type.Optional(Type.String()),
      l3CacheSchema: Type.Optional(Type.String()),
      memBwSchema: Type.Optional(Type.String()),
      schemata: Type.Optional(Strings()),
      enableMonitoring: Type.Optional(Type.Boolean()),
    }),
  ),
  sysctl: Type.Optional(StringMap()),
  seccomp: Type.Optional(LinuxSeccompSchema),
  rootfsPropagation: Type.Optional(OneOf(ROOTFS_PROPAGATIONS)),
  maskedPaths: Type.Optional(Strings()),
  readonlyPaths: Type.Optional(Strings()),
  mountLabel: Type.Optional(Type.String()),
  /** runtime-spec 1.3 (set_mempolicy): refused, whatever its shape (unsupported.ts). */
  memoryPolicy: Type.Optional(Type.Unknown()),
  personality: Type.Optional(LinuxPersonalitySchema),
});
export type Linux = Static<typeof LinuxSchema>;

export const ConfigSchema = Type.Object(
  {
    ociVersion: Type.String(),
    root: RootSchema,
    mounts: Type.Optional(Type.Array(MountSchema)),
    /** Optional in the spec until `start`; bunker reads config.json only to create a container, so it is required. */
    process: ProcessSchema,
    hostname: Type.Optional(Type.String()),
    domainname: Type.Optional(Type.String()),
    hooks: Type.Optional(HooksSchema),
    annotations: Type.Optional(StringMap()),
    linux: Type.Optional(LinuxSchema),
  },
  { $id: "https://bunker.invalid/schemas/config.json", title: "OCI runtime config (bunker)" },
);
export type Config = Static<typeof ConfigSchema>;

export type { Problem } from "./problem.ts";

const notAbsolute = (pointer: string, path: string): Problem[] =>
  path.startsWith("/") ? [] : [{ pointer, detail: `Not an absolute path: '${path}'` }];

/** Rules on `process` that the schema cannot say; shared with exec's process.json (pass its own pointer prefix). */
export const processProblems = (p: Process, at = "/process"): Problem[] => {
  const out: Problem[] = [];
  if (p.args.length === 0) out.push({ pointer: `${at}/args`, detail: "Empty: the first element names the program to run" });
  out.push(...notAbsolute(`${at}/cwd`, p.cwd));
  // runc's rule: execve would pass an entry without '=' on, and most programs would never see it.
  p.env?.forEach((e, i) => {
    if (e.indexOf("=") < 1) out.push({ pointer: `${at}/env/${i}`, detail: `Not NAME=value: '${e}'` });
  });
  for (const set of CAPABILITY_SETS)
    p.capabilities?.[set]?.forEach((n, i) => {
      if (!isCapabilityName(n)) out.push({ pointer: `${at}/capabilities/${set}/${i}`, detail: `Unknown capability '${n}'` });
    });
  const seen = new Set<string>();
  p.rlimits?.forEach((r, i) => {
    if (!isRlimitName(r.type)) out.push({ pointer: `${at}/rlimits/${i}/type`, detail: `Unknown rlimit '${r.type}'` });
    else if (seen.has(r.type)) out.push({ pointer: `${at}/rlimits/${i}/type`, detail: `Duplicate rlimit '${r.type}'` });
    seen.add(r.type);
    if (r.soft > r.hard) out.push({ pointer: `${at}/rlimits/${i}`, detail: `Soft limit ${r.soft} exceeds hard limit ${r.hard}` });
  });
  if (p.scheduler) out.push(...schedulerProblems(p.scheduler, `${at}/scheduler`));
  for (const key of ["initial", "final"] as const) {
    const list = p.execCPUAffinity?.[key];
    if (list === undefined) continue;
    try {
      parseCpuList(list);
    } catch (err) {
      out.push({ pointer: `${at}/execCPUAffinity/${key}`, detail: (err as Error).message });
    }
  }
  out.push(...unsupportedProcessProblems(p, at));
  return out;
};

/** The kernel takes an id range up to 2^32-2: (uid_t)-1 is never an id. */
const idMappingProblems = (maps: readonly LinuxIDMapping[] | undefined, at: string): Problem[] =>
  (maps ?? []).flatMap((m, i) =>
    m.containerID + m.size > 0xffff_ffff || m.hostID + m.size > 0xffff_ffff
      ? [{ pointer: `${at}/${i}`, detail: `Range ends past 4294967294: ${m.containerID}+${m.size} -> ${m.hostID}+${m.size}` }]
      : [],
  );

/**
 * Each level of cgroupsPath is a directory in every hierarchy (eleven on a v1 host), made and removed one by one: a
 * path 2,000 levels deep kept create busy for minutes before the kernel's PATH_MAX stopped it. Real ones have a few.
 */
const CGROUP_PATH_MAX_LEVELS = 64;
const CGROUP_PATH_MAX_BYTES = 2048;

/** __NEW_UTS_LEN: sethostname(2) and setdomainname(2) take 64 bytes at most. */
const UTS_MAX_BYTES = 64;

const linuxProblems = (c: Config): Problem[] => {
  const linux = c.linux ?? {};
  const out: Problem[] = [];
  const namespaces = new Map<NamespaceType, string | undefined>();
  linux.namespaces?.forEach((n, i) => {
    if (namespaces.has(n.type)) out.push({ pointer: `/linux/namespaces/${i}/type`, detail: `Duplicate namespace '${n.type}'` });
    namespaces.set(n.type, n.path);
    if (n.path !== undefined) out.push(...notAbsolute(`/linux/namespaces/${i}/path`, n.path));
  });
  const needs = (pointer: string, type: NamespaceType): void => {
    if (!namespaces.has(type)) out.push({ pointer, detail: `Needs a '${type}' namespace in /linux/namespaces` });
  };
  const newUserNamespace = namespaces.has("user") && namespaces.get("user") === undefined;
  for (const key of ["uidMappings", "gidMappings"] as const) {
    out.push(...idMappingProblems(linux[key], `/linux/${key}`));
    if (linux[key]?.length) needs(`/linux/${key}`, "user");
    else if (newUserNamespace) out.push({ pointer: `/linux/${key}`, detail: "Required with a new user namespace" });
  }
  if (linux.timeOffsets) needs("/linux/timeOffsets", "time");
  const cgroupsPath = linux.cgroupsPath ?? "";
  if (Buffer.byteLength(cgroupsPath) > CGROUP_PATH_MAX_BYTES) out.push({ pointer: "/linux/cgroupsPath", detail: `Longer than ${CGROUP_PATH_MAX_BYTES} bytes` });
  else if (cgroupsPath.split(/[/:]/).filter(Boolean).length > CGROUP_PATH_MAX_LEVELS)
    out.push({ pointer: "/linux/cgroupsPath", detail: `Deeper than ${CGROUP_PATH_MAX_LEVELS} levels` });
  // runc's rule: setting the name of the host's UTS namespace would rename the host.
  for (const key of ["hostname", "domainname"] as const) {
    const name = c[key];
    if (!name) continue;
    needs(`/${key}`, "uts");
    if (Buffer.byteLength(name) > UTS_MAX_BYTES) out.push({ pointer: `/${key}`, detail: `Longer than ${UTS_MAX_BYTES} bytes` });
  }
  for (const key of Object.keys(linux.sysctl ?? {})) {
    const pointer = `/linux/sysctl/${escapePointer(key)}`;
    const type = sysctlNamespace(key);
    if (type === undefined) out.push({ pointer, detail: `Not namespaced: setting '${key}' would change the host` });
    else needs(pointer, type);
  }
  for (const key of ["maskedPaths", "readonlyPaths"] as const)
    linux[key]?.forEach((p, i) => out.push(...notAbsolute(`/linux/${key}/${i}`, p)));
  linux.devices?.forEach((d, i) => {
    const pointer = `/linux/devices/${i}/path`;
    out.push(...notAbsolute(pointer, d.path));
    if (d.path.startsWith("/") && !posix.normalize(d.path).startsWith("/dev/")) out.push({ pointer, detail: `Must be under /dev: '${d.path}'` });
  });
  if (linux.seccomp) out.push(...seccompProblems(linux.seccomp));
  if (linux.netDevices) out.push(...netDeviceProblems(linux.netDevices, namespaces.has("network")));
  if (linux.personality) out.push(...personalityProblems(linux.personality, "/linux/personality"));
  out.push(...unsupportedLinuxProblems(linux));
  return out;
};

/** The spec's and runc's rules on linux.seccomp: errnos only where an action takes one, and what a listener needs. */
const seccompProblems = (s: LinuxSeccomp): Problem[] => {
  const at = "/linux/seccomp";
  const out: Problem[] = [];
  const errnoTaken = (pointer: string, action: SeccompActionName, errno: number | undefined): void => {
    if (errno !== undefined && !ERRNO_ACTIONS.includes(action))
      out.push({ pointer, detail: `${action} takes no errno (only ${ERRNO_ACTIONS.join(" and ")} do)` });
  };
  errnoTaken(`${at}/defaultErrnoRet`, s.defaultAction, s.defaultErrnoRet);
  // The setup stage's own last calls would wait for a listener that cannot have the fd yet.
  if (s.defaultAction === "SCMP_ACT_NOTIFY")
    out.push({ pointer: `${at}/defaultAction`, detail: "SCMP_ACT_NOTIFY cannot be the default action" });
  let notifies = false;
  s.syscalls?.forEach((rule, i) => {
    errnoTaken(`${at}/syscalls/${i}/errnoRet`, rule.action, rule.errnoRet);
    if (rule.action !== "SCMP_ACT_NOTIFY") return;
    notifies = true;
    rule.names.forEach((name, j) => {
      if ((NOTIFY_FORBIDDEN as readonly string[]).includes(name))
        out.push({ pointer: `${at}/syscalls/${i}/names/${j}`, detail: `SCMP_ACT_NOTIFY cannot be used for '${name}': the setup stage hands the listener its fd with ${NOTIFY_FORBIDDEN.join(" and ")}` });
    });
  });
  if (s.listenerPath !== undefined) out.push(...notAbsolute(`${at}/listenerPath`, s.listenerPath));
  else if (notifies) out.push({ pointer: `${at}/listenerPath`, detail: "Required with SCMP_ACT_NOTIFY: the notify fd goes to this socket" });
  if (s.listenerMetadata !== undefined && s.listenerPath === undefined)
    out.push({ pointer: `${at}/listenerMetadata`, detail: "Needs listenerPath" });
  return out;
};

/** Destinations, and what an idmapped mount needs: a bind of a host path, and both maps (its own or the container's). */
const mountProblems = (c: Config): Problem[] => {
  const out: Problem[] = [];
  c.mounts?.forEach((m, i) => {
    out.push(...notAbsolute(`/mounts/${i}/destination`, m.destination));
    out.push(...idMappingProblems(m.uidMappings, `/mounts/${i}/uidMappings`), ...idMappingProblems(m.gidMappings, `/mounts/${i}/gidMappings`));
    const opts = parseMountOptions(m.options ?? []);
    const inProc = procMountProblem(m.destination, m.type, m.type === "bind" || (opts.flags & MS.BIND) !== 0);
    if (inProc) out.push({ pointer: `/mounts/${i}/destination`, detail: `'${m.destination}': ${inProc}` });
    if (opts.copyUp && m.type !== "tmpfs") out.push({ pointer: `/mounts/${i}/options`, detail: "tmpcopyup is for tmpfs mounts" });
    if (opts.idmap === "none" && !m.uidMappings?.length && !m.gidMappings?.length) return;
    if (m.type !== "bind" && !(opts.flags & MS.BIND)) out.push({ pointer: `/mounts/${i}`, detail: "An idmapped mount must be a bind mount" });
    else if (!(m.uidMappings?.length || c.linux?.uidMappings?.length) || !(m.gidMappings?.length || c.linux?.gidMappings?.length))
      out.push({ pointer: `/mounts/${i}`, detail: "An idmapped mount needs uidMappings and gidMappings, its own or the container's in /linux" });
  });
  return out;
};

/**
 * Without a mount namespace of its own the container shares the host's mount table: bunker confines it to root.path
 * with chroot (as runc does) and refuses whatever would need mounts.
 */
const mountNamespaceProblems = (c: Config): Problem[] => {
  if (c.linux?.namespaces?.some((n) => n.type === "mount")) return [];
  const linux = c.linux ?? {};
  const detail = "Needs a 'mount' namespace in /linux/namespaces";
  return [
    c.root.readonly ? "/root/readonly" : "",
    c.mounts?.length ? "/mounts" : "",
    linux.devices?.length ? "/linux/devices" : "",
    linux.rootfsPropagation ? "/linux/rootfsPropagation" : "",
    linux.maskedPaths?.length ? "/linux/maskedPaths" : "",
    linux.readonlyPaths?.length ? "/linux/readonlyPaths" : "",
  ]
    .filter(Boolean)
    .map((pointer) => ({ pointer, detail }));
};

/** Cross-field rules of the spec and of runc that a schema cannot express, in document order. */
export const configProblems = (c: Config): Problem[] => {
  const out: Problem[] = [];
  if (!/^1\.\d+\.\d+/.test(c.ociVersion))
    out.push({ pointer: "/ociVersion", detail: `Unsupported version '${c.ociVersion}' (bunker reads 1.x)` });
  // An empty path would resolve to the bundle directory itself, config.json and all.
  if (c.root.path === "") out.push({ pointer: "/root/path", detail: "Empty: name the root filesystem's directory" });
  out.push(...mountProblems(c));
  out.push(...processProblems(c.process));
  out.push(...mountNamespaceProblems(c));
  for (const name of HOOK_NAMES) c.hooks?.[name]?.forEach((h, i) => out.push(...notAbsolute(`/hooks/${name}/${i}/path`, h.path)));
  out.push(...linuxProblems(c));
  return out;
};

const rejectFirst = (problems: Problem[], file: string): void => {
  const [first] = problems;
  if (first) throw new InvalidDocumentError(file, first.pointer, first.detail);
};

/**
 * Checks a parsed config.json (schema, then configProblems), applies the spec's defaults and makes root.path
 * absolute against `bundleDir`. Throws one InvalidDocumentError naming the field.
 */
export const parseConfig = (json: unknown, bundleDir: string): Config => {
  const config = decode(ConfigSchema, json, "config.json");
  rejectFirst(configProblems(config), "config.json");
  config.root.path = resolve(bundleDir, config.root.path);
  return config;
};

/** Checks a parsed OCI process document, such as the file `exec --process` reads, the same way. */
export const parseProcess = (json: unknown, file = "process.json"): Process => {
  const p = decode(ProcessSchema, json, file);
  rejectFirst(processProblems(p, ""), file);
  return p;
};

/** Reads and checks `<bundleDir>/config.json`. */
export const loadConfig = (bundleDir: string): Config => parseConfig(readConfig(bundleDir), resolve(bundleDir));
