// The statistics of one container's cgroup, in the shape of the "data" of runc's `events` ("stats" type).
// Values above 2^53 (v1's "unlimited", v2's "max" as 2^64-1) lose precision as JSON numbers, as they do in runc's readers.
// The drivers import only its types, so a plain `run` does not build these schemas.
import { Type, type Static } from "@sinclair/typebox";

const N = Type.Number();

/** Averages over 10, 60 and 300 seconds, in percent; total stall time in microseconds. */
export const PsiDataSchema = Type.Object({ avg10: N, avg60: N, avg300: N, total: N });
export const PsiStatsSchema = Type.Object({ some: PsiDataSchema, full: PsiDataSchema });
export type PsiStats = Static<typeof PsiStatsSchema>;

export const CpuStatsSchema = Type.Object({
  usage: Type.Object({
    /** Nanoseconds. */
    total: N,
    percpu: Type.Array(N),
    kernel: N,
    user: N,
  }),
  throttling: Type.Object({ periods: N, throttled_periods: N, throttled_time: N }),
  psi: Type.Optional(PsiStatsSchema),
});

export const MemoryEntrySchema = Type.Object({ limit: N, usage: N, max: N, failcnt: N });
export type MemoryEntry = Static<typeof MemoryEntrySchema>;

export const MemoryStatsSchema = Type.Object({
  cache: N,
  usage: MemoryEntrySchema,
  swap: MemoryEntrySchema,
  kernel: MemoryEntrySchema,
  kernelTCP: MemoryEntrySchema,
  /** memory.stat as the kernel names it (active_anon, inactive_anon, active_file, inactive_file, ...). */
  raw: Type.Record(Type.String(), N),
  psi: Type.Optional(PsiStatsSchema),
});

export const BlkioEntrySchema = Type.Object({ major: N, minor: N, op: Type.String(), value: N });
export type BlkioEntry = Static<typeof BlkioEntrySchema>;

export const BlkioStatsSchema = Type.Object({
  ioServiceBytesRecursive: Type.Array(BlkioEntrySchema),
  ioServicedRecursive: Type.Array(BlkioEntrySchema),
  psi: Type.Optional(PsiStatsSchema),
});

export const HugetlbEntrySchema = Type.Object({ usage: N, max: N, failcnt: N });

export const CgroupStatsSchema = Type.Object({
  cpu: CpuStatsSchema,
  memory: MemoryStatsSchema,
  pids: Type.Object({ current: N, limit: N }),
  blkio: BlkioStatsSchema,
  /** Keyed by page size as the kernel names it ("2MB"). */
  hugetlb: Type.Record(Type.String(), HugetlbEntrySchema),
});
export type CgroupStats = Static<typeof CgroupStatsSchema>;
