// What each memory class means: how soon its own pressure is noticed, what protection it gets, what the ladder may do to it.
import { Type, type Static } from "@sinclair/typebox";

export const MEMORY_CLASSES = ["background", "normal", "system", "critical"] as const;
export type MemoryClass = (typeof MEMORY_CLASSES)[number];

export const MemoryClassSchema = Type.Union(MEMORY_CLASSES.map((c) => Type.Literal(c)), {
  description: "Importance under memory pressure, lowest first: the ladder acts on background, then normal, then system",
});

/** A PSI trigger: notify when tasks stalled at least `stallUs` within any `windowUs` (kernel: 500 ms <= window <= 10 s). */
export const PsiTriggerSchema = Type.Object({
  kind: Type.Union([Type.Literal("some"), Type.Literal("full")]),
  stallUs: Type.Integer({ minimum: 1 }),
  windowUs: Type.Integer({ minimum: 500_000, maximum: 10_000_000 }),
  /** Only a reason to look (read MemAvailable and the averages), not a sign of pressure by itself. */
  look: Type.Optional(Type.Boolean()),
});
export type PsiTrigger = Static<typeof PsiTriggerSchema>;

export type LadderAction = "reclaim" | "throttle" | "freeze" | "kill";

export interface ClassProfile {
  /** Lower ranks are acted on first. */
  rank: number;
  /** Triggers written to the container's own memory.pressure. */
  triggers: PsiTrigger[];
  /** Whether proactive reclaim is on unless the annotation says otherwise. */
  reclaimByDefault: boolean;
  /** What the ladder may do to a container of this class under pressure (reclaim is governed by `bunker.reclaim`). */
  actions: readonly LadderAction[];
  /** memory.low: "max" protects whatever it uses (best effort), 0 nothing. Undefined leaves the cgroup as set up. */
  low: "max" | 0 | undefined;
  /** memory.swappiness on v1 (v2 has no per-cgroup swappiness). */
  swappiness: number;
}

const ms = 1000;

// Critical containers' own pressure is the earliest sign that lower classes must give way, so their triggers are the
// most sensitive; lmkd's defaults (some 70 ms / full 700 ms per 1 s) sit between system and normal.
export const CLASS_PROFILES: Record<MemoryClass, ClassProfile> = {
  critical: {
    rank: 3,
    triggers: [{ kind: "some", stallUs: 50 * ms, windowUs: 1000 * ms }],
    reclaimByDefault: false,
    actions: [],
    low: "max",
    swappiness: 10,
  },
  system: {
    rank: 2,
    triggers: [{ kind: "some", stallUs: 100 * ms, windowUs: 1000 * ms }],
    reclaimByDefault: false,
    actions: ["throttle", "kill"],
    low: undefined,
    swappiness: 30,
  },
  normal: {
    rank: 1,
    triggers: [{ kind: "full", stallUs: 150 * ms, windowUs: 1000 * ms }],
    reclaimByDefault: true,
    actions: ["throttle", "freeze", "kill"],
    low: undefined,
    swappiness: 60,
  },
  background: {
    rank: 0,
    triggers: [{ kind: "full", stallUs: 300 * ms, windowUs: 2000 * ms }],
    reclaimByDefault: true,
    actions: ["throttle", "freeze", "kill"],
    low: 0,
    swappiness: 100,
  },
};

/**
 * System-wide triggers on /proc/pressure/memory: lmkd's two, and a faint one that only makes the core look. With zram,
 * stalls stay short until memory is nearly gone, so MemAvailable must be read as soon as any stall shows.
 */
export const SYSTEM_TRIGGERS: PsiTrigger[] = [
  { kind: "some", stallUs: 10 * ms, windowUs: 1000 * ms, look: true },
  { kind: "some", stallUs: 70 * ms, windowUs: 1000 * ms },
  { kind: "full", stallUs: 700 * ms, windowUs: 1000 * ms },
];

/** The string the kernel expects in a pressure file: "some 70000 1000000". */
export const triggerText = (t: PsiTrigger): string => `${t.kind} ${t.stallUs} ${t.windowUs}`;
