// Namespace steps that need a single-threaded process. The JS engine starts helper threads as soon as the heap grows,
// so the setup stage takes these steps first, before it reads its plan: the parent passes them in the environment.
import { readlinkSync } from "node:fs";
import { CLONE, O, PR } from "../../ffi/constants.ts";
import { close, open } from "../../ffi/fd.ts";
import { setns, unshare } from "../../ffi/namespace.ts";
import { prctl } from "../../ffi/process.ts";
import { NAMESPACES, type NamespaceType } from "../spec/namespaces.ts";

/** Environment variable holding the early steps: "new-user" and/or "<flag>:<path>" entries, comma-separated. */
export const EARLY_ENV = "_BUNKER_EARLY";

export type EarlyStep = { kind: "new-user" } | { kind: "join"; flag: number; path: string };

export const encodeEarly = (steps: readonly EarlyStep[]): string =>
  steps.map((s) => (s.kind === "new-user" ? "new-user" : `${s.flag}:${s.path}`)).join(",");

export const decodeEarly = (text: string): EarlyStep[] =>
  text
    .split(",")
    .filter(Boolean)
    .map((e) => {
      if (e === "new-user") return { kind: "new-user" } as const;
      const colon = e.indexOf(":");
      return { kind: "join", flag: Number(e.slice(0, colon)), path: e.slice(colon + 1) } as const;
    });

/** The user namespace first (made or joined), then a time namespace to join. */
export const earlySteps = (namespaces: readonly { type: NamespaceType; path?: string }[]): EarlyStep[] => {
  const steps: EarlyStep[] = [];
  const user = namespaces.find((n) => n.type === "user");
  if (user) steps.push(user.path ? { kind: "join", flag: NAMESPACES.user.flag, path: user.path } : { kind: "new-user" });
  const time = namespaces.find((n) => n.type === "time" && n.path);
  if (time) steps.push({ kind: "join", flag: NAMESPACES.time.flag, path: time.path! });
  return steps;
};

/** True when `path` is the namespace of type `flag` we are in already: joining it would change nothing, and a
 * time namespace the kernel left a container in (its host's) cannot be joined from inside the container's user
 * namespace (EPERM). */
const alreadyIn = (path: string, flag: number): boolean => {
  const own = Object.values(NAMESPACES).find((n) => n.flag === flag)?.procFile;
  try {
    return !!own && readlinkSync(path) === readlinkSync(`/proc/self/ns/${own}`);
  } catch {
    return false;
  }
};

/** Runs the steps in order; an error is thrown to the stage, which reports it once its channel is up. */
export const runEarly = (steps: readonly EarlyStep[]): void => {
  for (const s of steps) {
    if (s.kind === "new-user") {
      unshare(CLONE.NEWUSER);
      continue;
    }
    if (alreadyIn(s.path, s.flag)) continue;
    const fd = open(s.path, O.RDONLY | O.CLOEXEC);
    try {
      setns(fd, s.flag, `'${s.path}'`);
    } finally {
      close(fd);
    }
  }
};

/**
 * The stage's first act: it becomes non-dumpable, so that no process of a container can open its /proc/<pid>/exe,
 * fd, mem or root (the kernel keeps that until execve). Then the steps the parent put in the environment; returns the
 * error instead of throwing (reported once the channel is up).
 */
export const runEarlyFromEnv = (): Error | undefined => {
  try {
    prctl(PR.SET_DUMPABLE, 0);
    runEarly(decodeEarly(process.env[EARLY_ENV] ?? ""));
    return undefined;
  } catch (err) {
    return err as Error;
  }
};
