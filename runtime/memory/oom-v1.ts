// The v1 userspace OOM handler: with the kernel's OOM killer disabled (disableOOMKiller), a cgroup that hits its
// limit is held with its allocating tasks asleep until someone frees or grants memory. bunker decides: grant a step
// from the configured reserve to a container that deserves it, or kill its largest process.
import { isUnlimited, parseKeyed } from "../cgroups/files.ts";
import { codeOf, type CgroupFs } from "../cgroups/fs.ts";
import { CLASS_PROFILES, type MemoryClass } from "./classes.ts";
import type { MemoryEvent } from "./event-log.ts";

export interface OomReserve {
  /** Bytes left to grant across all containers. */
  left: number;
  /** One grant, in bytes. */
  step: number;
}

export interface HeldProcess {
  pid: number;
  comm: string;
  rss: number;
}

export type OomDecision =
  | { action: "grant"; bytes: number; limit: number; reason: string }
  | { action: "kill-process"; pid: number; comm: string; rss: number; reason: string }
  | { action: "none"; reason: string };

/** Containers of system class and above get grants while the reserve lasts; everyone else loses its largest process. */
export const decideOom = (cls: MemoryClass, limit: number, procs: readonly HeldProcess[], reserve: OomReserve): OomDecision => {
  if (CLASS_PROFILES[cls].rank >= CLASS_PROFILES.system.rank && reserve.left >= reserve.step)
    return { action: "grant", bytes: reserve.step, limit: limit + reserve.step, reason: `${cls} container at its limit, reserve has ${reserve.left} bytes` };
  const largest = [...procs].sort((a, b) => b.rss - a.rss)[0];
  if (!largest) return { action: "none", reason: "no process left in the cgroup" };
  const why = reserve.left < reserve.step ? "the reserve is spent" : `${cls} containers get no grants`;
  return { action: "kill-process", pid: largest.pid, comm: largest.comm, rss: largest.rss, reason: `largest process at the limit; ${why}` };
};

export const underOom = (fs: CgroupFs, memoryDir: string): boolean => parseKeyed(fs.read(`${memoryDir}/memory.oom_control`)).under_oom === 1;

/** Members of the cgroup with their resident set, from /proc/<pid>/status; processes already gone are skipped. */
export const heldProcesses = (fs: CgroupFs, memoryDir: string): HeldProcess[] =>
  fs.read(`${memoryDir}/cgroup.procs`).split("\n").filter(Boolean).flatMap((p) => {
    try {
      const status = fs.read(`/proc/${p}/status`);
      const rss = parseKeyed(status).VmRSS ?? 0;
      return [{ pid: Number(p), comm: /^Name:\s*(.*)$/m.exec(status)?.[1] ?? "?", rss: rss * 1024 }];
    } catch (err) {
      if (codeOf(err) === "ENOENT") return [];
      throw err;
    }
  });

/** Carries the decision out; a grant raises memsw first where it exists, since the kernel keeps memsw >= limit. */
export const applyOomDecision = (fs: CgroupFs, memoryDir: string, d: OomDecision): void => {
  if (d.action === "grant") {
    const memsw = `${memoryDir}/memory.memsw.limit_in_bytes`;
    if (fs.exists(memsw)) {
      const old = Number(fs.read(memsw).trim());
      if (!isUnlimited(old)) fs.write(memsw, String(old + d.bytes));
    }
    fs.write(`${memoryDir}/memory.limit_in_bytes`, String(d.limit));
  } else if (d.action === "kill-process") {
    try {
      fs.kill(d.pid, "SIGKILL");
    } catch (err) {
      if (codeOf(err) !== "ESRCH") throw err;
    }
  }
};

/**
 * The handler, run when memory.oom_control fires: a cgroup held at its limit gets a grant from `reserve` (which
 * shrinks by it) or loses its largest process. Returns what to record, or undefined when the cgroup is not held.
 */
export const answerOom = (fs: CgroupFs, memoryDir: string, cls: MemoryClass, reserve: OomReserve): Pick<MemoryEvent, "action" | "outcome" | "reason" | "detail"> | undefined => {
  if (!fs.exists(memoryDir) || !underOom(fs, memoryDir)) return undefined;
  const limit = Number(fs.read(`${memoryDir}/memory.limit_in_bytes`).trim());
  const decision = decideOom(cls, limit, heldProcesses(fs, memoryDir), reserve);
  applyOomDecision(fs, memoryDir, decision);
  if (decision.action === "grant") reserve.left -= decision.bytes;
  const detail =
    decision.action === "grant" ? `limit raised to ${decision.limit}` : decision.action === "kill-process" ? `pid ${decision.pid} (${decision.comm}), rss ${decision.rss}` : undefined;
  return {
    action: decision.action === "grant" ? "oom-grant" : "oom-kill-process",
    outcome: decision.action === "none" ? "skipped" : "done",
    reason: decision.reason,
    ...(detail ? { detail } : {}),
  };
};
