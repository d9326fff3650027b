// The statistics of one container's cgroup, in the shape of the "data" of runc's `events` ("stats" type).
// Integers are Counts: exact beyond 2^53 (v1's "unlimited", v2's "max" as 2^64-1), printed exactly as runc's uint64s.
// The drivers import only its types, so a plain `run` does not build these schemas.
import { Kind, Type, TypeRegistry, type Static } from "@sinclair/typebox";
import type { Count } from "./files.ts";

const N = Type.Number();
/** An integer: a number, or a bigint beyond 2^53; in JSON (and its JSON Schema) an integer with its exact digits. */
TypeRegistry.Set("Count", (_schema, v) => typeof v === "bigint" || Number.isInteger(v));
const C = Type.Unsafe<Count>({ [Kind]: "Count", type: "integer" });

/** Averages over 10, 60 and 300 seconds, in percent; total stall time in microseconds. */
export const PsiDataSchema = Type.Object({ avg10: N, avg60: N, avg300: N, total: N });
export const PsiStatsSchema = Type.Object({ some: PsiDataSchema, full: PsiDataSchema });
export type PsiStats = Static<typeof PsiStatsSchema>;

export const CpuStatsSchema = Type.Object({
  usage: Type.Object({
    /** Nanoseconds. */
    total: C,
    percpu: Type.Array(C),
    kernel: C,
    user: C,
  }),
  throttling: Type.Object({ periods: C, throttled_periods: C, throttled_time: C }),
  psi: Type.Optional(PsiStatsSchema),
});

export const MemoryEntrySchema = Type.Object({ limit: C, usage: C, max: C, failcnt: C });
export type MemoryEntry = Static<typeof MemoryEntrySchema>;

export const MemoryStatsSchema = Type.Object({
  cache: C,
  usage: MemoryEntrySchema,
  swap: MemoryEntrySchema,
  kernel: MemoryEntrySchema,
  kernelTCP: MemoryEntrySchema,
  /** memory.stat as the kernel names it (active_anon, inactive_anon, active_file, inactive_file, ...). */
  raw: Type.Record(Type.String(), C),
  psi: Type.Optional(PsiStatsSchema),
});

export const BlkioEntrySchema = Type.Object({ major: N, minor: N, op: Type.String(), value: C });
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
  pids: Type.Object({ current: C, limit: C }),
  blkio: BlkioStatsSchema,
  /** Keyed by page size as the kernel names it ("2MB"). */
  hugetlb: Type.Record(Type.String(), HugetlbEntrySchema),
});
export type CgroupStats = Static<typeof CgroupStatsSchema>;
