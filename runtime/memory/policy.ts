// A container's memory policy, read from its OCI annotations (config.json "annotations"), with defaults per class.
import { Type, type Static } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { CLASS_PROFILES, MemoryClassSchema, type MemoryClass } from "./classes.ts";
import { DURATION_PATTERN, PERCENT_PATTERN, SIZE_PATTERN, parseDuration, parsePercent, parseSize } from "../units.ts";

export const ANNOTATION = {
  class: "bunker.memory.class",
  restart: "bunker.restart",
  backoff: "bunker.restart.backoff",
  backoffMax: "bunker.restart.backoff-max",
  restartLimit: "bunker.restart.limit",
  restartWindow: "bunker.restart.window",
  reclaim: "bunker.reclaim",
  reclaimTarget: "bunker.reclaim.target",
  swap: "bunker.swap",
} as const;

const onOff = Type.Union([Type.Literal("on"), Type.Literal("off")]);

/** The annotations bunker reads, as they appear in config.json (all strings); other annotations are ignored. */
export const MemoryAnnotationsSchema = Type.Object(
  {
    [ANNOTATION.class]: Type.Optional(MemoryClassSchema),
    [ANNOTATION.restart]: Type.Optional(
      Type.Union([Type.Literal("no"), Type.Literal("on-failure"), Type.Literal("always")], {
        description: "Restart the container when it exits: never, after a non-zero exit or a kill, or always",
      }),
    ),
    [ANNOTATION.backoff]: Type.Optional(Type.String({ pattern: DURATION_PATTERN, description: "First restart delay, doubled per restart in a row (default 1s)" })),
    [ANNOTATION.backoffMax]: Type.Optional(Type.String({ pattern: DURATION_PATTERN, description: "Longest restart delay (default 1m)" })),
    [ANNOTATION.restartLimit]: Type.Optional(
      Type.String({ pattern: "^\\d+$", description: "Restarts allowed within the window before the container counts as crash-looping (default 5)" }),
    ),
    [ANNOTATION.restartWindow]: Type.Optional(Type.String({ pattern: DURATION_PATTERN, description: "Window of the crash-loop limit (default 10m)" })),
    [ANNOTATION.reclaim]: Type.Optional(
      Type.Union(onOff.anyOf, { description: "Proactive reclaim (default on for normal and background, off otherwise)" }),
    ),
    [ANNOTATION.reclaimTarget]: Type.Optional(
      Type.String({ pattern: PERCENT_PATTERN, description: "Pressure target of proactive reclaim: the container's own PSI some avg10, in percent (default 0.5%)" }),
    ),
    [ANNOTATION.swap]: Type.Optional(
      Type.String({
        pattern: `${SIZE_PATTERN}|^max$`,
        description: "Swap the container may use: a size, 0 for none or max (default: as linux.resources.memory.swap says)",
      }),
    ),
  },
  { additionalProperties: Type.String() },
);

export const RestartPolicySchema = Type.Object({
  mode: Type.Union([Type.Literal("no"), Type.Literal("on-failure"), Type.Literal("always")]),
  backoffMs: Type.Integer({ minimum: 0 }),
  backoffMaxMs: Type.Integer({ minimum: 0 }),
  limit: Type.Integer({ minimum: 0 }),
  windowMs: Type.Integer({ minimum: 0 }),
});
export type RestartPolicy = Static<typeof RestartPolicySchema>;

export const MemoryPolicySchema = Type.Object({
  class: MemoryClassSchema,
  restart: RestartPolicySchema,
  reclaim: Type.Object({ enabled: Type.Boolean(), targetPercent: Type.Number({ minimum: 0, maximum: 100 }) }),
  /** Bytes of swap allowed, "max", or undefined to leave the OCI setting alone. */
  swap: Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.Literal("max")])),
});
export type MemoryPolicy = Static<typeof MemoryPolicySchema>;

const DEFAULTS = { backoff: "1s", backoffMax: "1m", restartLimit: "5", restartWindow: "10m", reclaimTarget: "0.5%" } as const;

const EXPECTED: Record<string, string> = {
  [ANNOTATION.class]: "critical, system, normal or background",
  [ANNOTATION.restart]: "no, on-failure or always",
  [ANNOTATION.backoff]: "a duration such as 500ms, 2s or 1m",
  [ANNOTATION.backoffMax]: "a duration such as 500ms, 2s or 1m",
  [ANNOTATION.restartLimit]: "a whole number",
  [ANNOTATION.restartWindow]: "a duration such as 500ms, 2s or 1m",
  [ANNOTATION.reclaim]: "on or off",
  [ANNOTATION.reclaimTarget]: "a percentage such as 0.5%",
  [ANNOTATION.swap]: "a size such as 64M, 0 or max",
};

/** Reads the memory policy from a container's annotations; throws naming the first annotation that is wrong. */
export const memoryPolicy = (annotations: Record<string, string> | undefined): MemoryPolicy => {
  const a = annotations ?? {};
  const bad = Value.Errors(MemoryAnnotationsSchema, a).First();
  if (bad) {
    const key = bad.path.slice(1).replaceAll("~1", "/").replaceAll("~0", "~");
    throw new Error(`Cannot read annotation '${key}': must be ${EXPECTED[key] ?? "a string"}, not '${String(bad.value)}'`);
  }
  const cls: MemoryClass = (a[ANNOTATION.class] as MemoryClass | undefined) ?? "normal";
  const backoffMs = parseDuration(a[ANNOTATION.backoff] ?? DEFAULTS.backoff);
  const backoffMaxMs = parseDuration(a[ANNOTATION.backoffMax] ?? DEFAULTS.backoffMax);
  if (backoffMaxMs < backoffMs)
    throw new Error(`Cannot read annotation '${ANNOTATION.backoffMax}': must not be shorter than '${ANNOTATION.backoff}' ('${a[ANNOTATION.backoff] ?? DEFAULTS.backoff}')`);
  const swap = a[ANNOTATION.swap];
  return {
    class: cls,
    restart: {
      mode: (a[ANNOTATION.restart] as RestartPolicy["mode"] | undefined) ?? "no",
      backoffMs,
      backoffMaxMs,
      limit: Number(a[ANNOTATION.restartLimit] ?? DEFAULTS.restartLimit),
      windowMs: parseDuration(a[ANNOTATION.restartWindow] ?? DEFAULTS.restartWindow),
    },
    reclaim: {
      enabled: a[ANNOTATION.reclaim] === undefined ? CLASS_PROFILES[cls].reclaimByDefault : a[ANNOTATION.reclaim] === "on",
      targetPercent: parsePercent(a[ANNOTATION.reclaimTarget] ?? DEFAULTS.reclaimTarget),
    },
    swap: swap === undefined ? undefined : swap === "max" ? "max" : parseSize(swap),
  };
};
