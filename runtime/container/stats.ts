// `stats`: the seed's per-container statistics, one row per container, from the same cgroup readings as `events`.
import { Type, type Static } from "@sinclair/typebox";
import { isUnlimited } from "../cgroups/files.ts";
import { listContainers } from "./list.ts";
import { containerCgroup } from "./container-cgroup.ts";

export const StatsRowSchema = Type.Object({
  id: Type.String(),
  status: Type.String(),
  /** Seconds of CPU time used. */
  cpuSeconds: Type.Number(),
  memoryBytes: Type.Number(),
  /** null when unlimited. */
  memoryLimitBytes: Type.Union([Type.Number(), Type.Null()]),
  pids: Type.Number(),
  oomKills: Type.Number(),
});
export type StatsRow = Static<typeof StatsRowSchema>;

/** A container whose state cannot be read: shown with the reason rather than left out. */
export const DamagedRowSchema = Type.Object({ id: Type.String(), status: Type.Literal("damaged"), reason: Type.String() });
export type DamagedRow = Static<typeof DamagedRowSchema>;

/** One row of `stats --json`. */
export const StatsLineSchema = Type.Union([StatsRowSchema, DamagedRowSchema]);

/**
 * One row per container named, or per container with a cgroup (created, running, paused) when none is, and then one
 * per damaged container.
 */
export const statsRows = (root: string, ids: readonly string[]): (StatsRow | DamagedRow)[] => {
  const listed = ids.length ? undefined : listContainers(root);
  const wanted = listed ? listed.containers.filter((l) => l.status !== "stopped").map((l) => l.record.id) : ids;
  const damaged = (listed?.damaged ?? []).map((d): DamagedRow => ({ id: d.id, status: "damaged", reason: d.reason }));
  return [...wanted.map((id): StatsRow => {
    const { status, cgroup } = containerCgroup(root, id, ["created", "running", "paused"], "read statistics of");
    const s = cgroup.stats();
    const limit = Number(s.memory.usage.limit);
    return {
      id,
      status,
      cpuSeconds: Number(s.cpu.usage.total) / 1e9,
      memoryBytes: Number(s.memory.usage.usage),
      memoryLimitBytes: isUnlimited(limit) || limit === 0 ? null : limit,
      pids: Number(s.pids.current),
      oomKills: cgroup.oomKills(),
    };
  }), ...damaged];
};
