// linux.resources of the OCI runtime-spec 1.2: what the cgroup drivers apply. Kept apart from config.ts so that the
// cgroups code imports only this.
import { Type, type Static } from "@sinclair/typebox";
import { DEVICE_MAJOR_MAX, DEVICE_MINOR_MAX, DeviceMajor, DeviceMinor, Int64, Uint16, Uint32, Uint64 } from "./integers.ts";

export const LinuxDeviceCgroupSchema = Type.Object({
  allow: Type.Boolean(),
  /** "a" (all), "c" or "b"; absent means "a". */
  type: Type.Optional(Type.Union([Type.Literal("a"), Type.Literal("c"), Type.Literal("b")])),
  /** Absent (or -1, as runc writes it) means any major (the `*` of a cgroup v1 rule). */
  major: Type.Optional(Type.Integer({ minimum: -1, maximum: DEVICE_MAJOR_MAX })),
  minor: Type.Optional(Type.Integer({ minimum: -1, maximum: DEVICE_MINOR_MAX })),
  access: Type.Optional(Type.String({ pattern: "^[rwm]*$" })),
});
export type LinuxDeviceCgroup = Static<typeof LinuxDeviceCgroupSchema>;

export const LinuxMemorySchema = Type.Object({
  /** Bytes; -1 means unlimited. */
  limit: Type.Optional(Int64()),
  reservation: Type.Optional(Int64()),
  /** Memory plus swap, in bytes (the cgroup v1 memsw meaning); -1 means unlimited. */
  swap: Type.Optional(Int64()),
  kernel: Type.Optional(Int64({ description: "Deprecated: kernel memory limit" })),
  kernelTCP: Type.Optional(Int64()),
  swappiness: Type.Optional(Uint64({ maximum: 100 })),
  disableOOMKiller: Type.Optional(Type.Boolean()),
  useHierarchy: Type.Optional(Type.Boolean()),
  checkBeforeUpdate: Type.Optional(Type.Boolean()),
});
export type LinuxMemory = Static<typeof LinuxMemorySchema>;

export const LinuxCPUSchema = Type.Object({
  shares: Type.Optional(Uint64()),
  /** Microseconds per period; -1 means no limit. */
  quota: Type.Optional(Int64()),
  burst: Type.Optional(Uint64()),
  period: Type.Optional(Uint64()),
  realtimeRuntime: Type.Optional(Int64()),
  realtimePeriod: Type.Optional(Uint64()),
  /** cpuset list syntax, e.g. "0-2,4". */
  cpus: Type.Optional(Type.String()),
  mems: Type.Optional(Type.String()),
  /** cgroup v2 cpu.idle: 0 or 1. */
  idle: Type.Optional(Int64()),
});
export type LinuxCPU = Static<typeof LinuxCPUSchema>;

export const LinuxPidsSchema = Type.Object({
  /** Maximum number of tasks; 0 or -1 means no limit. */
  limit: Int64(),
});
export type LinuxPids = Static<typeof LinuxPidsSchema>;

export const LinuxWeightDeviceSchema = Type.Object({
  major: DeviceMajor(),
  minor: DeviceMinor(),
  weight: Type.Optional(Uint16()),
  leafWeight: Type.Optional(Uint16()),
});
export type LinuxWeightDevice = Static<typeof LinuxWeightDeviceSchema>;

export const LinuxThrottleDeviceSchema = Type.Object({
  major: DeviceMajor(),
  minor: DeviceMinor(),
  /** Bytes or operations per second. */
  rate: Uint64(),
});
export type LinuxThrottleDevice = Static<typeof LinuxThrottleDeviceSchema>;

export const LinuxBlockIOSchema = Type.Object({
  weight: Type.Optional(Uint16()),
  leafWeight: Type.Optional(Uint16()),
  weightDevice: Type.Optional(Type.Array(LinuxWeightDeviceSchema)),
  throttleReadBpsDevice: Type.Optional(Type.Array(LinuxThrottleDeviceSchema)),
  throttleWriteBpsDevice: Type.Optional(Type.Array(LinuxThrottleDeviceSchema)),
  throttleReadIOPSDevice: Type.Optional(Type.Array(LinuxThrottleDeviceSchema)),
  throttleWriteIOPSDevice: Type.Optional(Type.Array(LinuxThrottleDeviceSchema)),
});
export type LinuxBlockIO = Static<typeof LinuxBlockIOSchema>;

export const LinuxHugepageLimitSchema = Type.Object({
  /** Page size with unit, as in hugetlb.<size>: "2MB", "1GB", "64KB". */
  pageSize: Type.String({ pattern: "^[0-9]+[KMG]B$" }),
  limit: Uint64(),
});
export type LinuxHugepageLimit = Static<typeof LinuxHugepageLimitSchema>;

export const LinuxNetworkSchema = Type.Object({
  classID: Type.Optional(Uint32()),
  priorities: Type.Optional(Type.Array(Type.Object({ name: Type.String(), priority: Uint32() }))),
});
export type LinuxNetwork = Static<typeof LinuxNetworkSchema>;

export const LinuxRdmaSchema = Type.Object({
  hcaHandles: Type.Optional(Uint32()),
  hcaObjects: Type.Optional(Uint32()),
});
export type LinuxRdma = Static<typeof LinuxRdmaSchema>;

export const LinuxResourcesSchema = Type.Object({
  devices: Type.Optional(Type.Array(LinuxDeviceCgroupSchema)),
  memory: Type.Optional(LinuxMemorySchema),
  cpu: Type.Optional(LinuxCPUSchema),
  pids: Type.Optional(LinuxPidsSchema),
  blockIO: Type.Optional(LinuxBlockIOSchema),
  hugepageLimits: Type.Optional(Type.Array(LinuxHugepageLimitSchema)),
  network: Type.Optional(LinuxNetworkSchema),
  /** Keyed by RDMA device name. */
  rdma: Type.Optional(Type.Record(Type.String(), LinuxRdmaSchema)),
  /** cgroup v2 files written as they are, e.g. {"memory.high": "50M"}. */
  unified: Type.Optional(Type.Record(Type.String(), Type.String())),
});
export type LinuxResources = Static<typeof LinuxResourcesSchema>;
