// How a container's setup stage is started: in which PID namespace, with which early steps (early.ts). Both follow
// from linux.namespaces alone, so the parent can start the stage first, to load while it checks the config and makes
// the cgroup, and hand it the plan when that is done.
import { NAMESPACE_TYPES, type NamespaceType } from "../spec/namespaces.ts";
import { EARLY_ENV, earlySteps, encodeEarly } from "./early.ts";
import type { SpawnOptions } from "./spawn-stage.ts";

export interface StageLaunch {
  /** As SpawnOptions.pid: "new", a namespace to join, or null (the caller's). */
  pid: "new" | string | null;
  /** The early steps, encoded for EARLY_ENV. */
  early: string;
}

type Namespaces = readonly { type: NamespaceType; path?: string }[];

const made = (namespaces: Namespaces, type: NamespaceType): boolean => namespaces.some((n) => n.type === type && !n.path);

/** A stage that makes a user and a PID namespace starts its init itself (stage.ts). */
export const spawnsInit = (namespaces: Namespaces): boolean => made(namespaces, "user") && made(namespaces, "pid");

/**
 * A stage that joins another container's PID namespace stays in the caller's and spawns the program into it, where
 * the kernel lets it mount that namespace's /proc from outside (proc takes "pidns": asked only then, it is a probe).
 */
export const spawnsProgram = (namespaces: Namespaces, procTakesPidns: () => boolean): boolean =>
  namespaces.some((n) => n.type === "pid" && n.path) && procTakesPidns();

/** Any other stage starts in the container's PID namespace (made, or joined). */
export const stageLaunch = (namespaces: Namespaces, procTakesPidns: () => boolean): StageLaunch => {
  const pid = namespaces.find((n) => n.type === "pid");
  const outside = !pid || spawnsInit(namespaces) || spawnsProgram(namespaces, procTakesPidns);
  return { pid: outside ? null : (pid.path ?? "new"), early: encodeEarly(earlySteps(namespaces)) };
};

/**
 * linux.namespaces of a config.json not checked yet, when every entry is a known type with no path or an absolute
 * one (what the check would let through); otherwise undefined, and the stage waits for the check.
 */
export const uncheckedNamespaces = (document: unknown): Namespaces | undefined => {
  const linux = (document as { linux?: unknown } | null)?.linux;
  if (linux === undefined) return [];
  const list = (linux as { namespaces?: unknown } | null)?.namespaces;
  if (list === undefined) return [];
  if (!Array.isArray(list)) return undefined;
  const known = list.every(
    (n: unknown) =>
      n !== null && typeof n === "object" && (NAMESPACE_TYPES as readonly unknown[]).includes((n as { type?: unknown }).type) &&
      ((n as { path?: unknown }).path === undefined || (typeof (n as { path?: unknown }).path === "string" && ((n as { path: string }).path).startsWith("/"))),
  );
  return known ? (list as Namespaces) : undefined;
};

/** process.oomScoreAdj of a config.json not checked yet: null when absent, undefined when not what the check takes. */
export const uncheckedOomScoreAdj = (document: unknown): number | null | undefined => {
  const v = (document as { process?: { oomScoreAdj?: unknown } } | null)?.process?.oomScoreAdj;
  if (v === undefined) return null;
  return Number.isInteger(v) && (v as number) >= -1000 && (v as number) <= 1000 ? (v as number) : undefined;
};

/** How a container's setup stage is spawned (create.ts, and ahead of need: ahead.ts). */
export const setupSpawnOptions = (launch: StageLaunch, oomScoreAdj: number | null | undefined, stdio?: SpawnOptions["stdio"]): SpawnOptions => ({
  pid: launch.pid,
  stageName: "setup",
  env: { [EARLY_ENV]: launch.early },
  oomScoreAdj,
  ...(stdio ? { stdio } : {}),
});

/** The launch a config.json not checked yet asks for, or undefined when the stage must wait for the check. */
export const uncheckedLaunch = (document: unknown, procTakesPidns: () => boolean): { launch: StageLaunch; oomScoreAdj: number | null } | undefined => {
  const namespaces = uncheckedNamespaces(document);
  const oomScoreAdj = uncheckedOomScoreAdj(document);
  return namespaces && oomScoreAdj !== undefined ? { launch: stageLaunch(namespaces, procTakesPidns), oomScoreAdj } : undefined;
};
