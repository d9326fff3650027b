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

/** One row per container named, or per container with a cgroup (created, running, paused) when none is. */
export const statsRows = (root: string, ids: readonly string[]): StatsRow[] => {
  const wanted = ids.length ? ids : listContainers(root).filter((l) => l.status !== "stopped").map((l) => l.record.id);
  return wanted.map((id) => {
    const { status, cgroup } = containerCgroup(root, id, ["created", "running", "paused"], "read statistics of");
    const s = cgroup.stats();
    return {
      id,
      status,
      cpuSeconds: s.cpu.usage.total / 1e9,
      memoryBytes: s.memory.usage.usage,
      memoryLimitBytes: isUnlimited(s.memory.usage.limit) || s.memory.usage.limit === 0 ? null : s.memory.usage.limit,
      pids: s.pids.current,
      oomKills: cgroup.oomKills(),
    };
  });
};
