// What bunker keeps about one container in <root>/<id>/state.json, written tmp-then-rename.
import { Type, type Static } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { readFileSync } from "node:fs";
import { posix } from "node:path";
import { writeFileAtomic } from "../durable/atomic-file.ts";

export const ContainerRecord = Type.Object({
  id: Type.String(),
  /** Host PID of the container's process (the setup stage until start, then the user's program). */
  pid: Type.Integer(),
  /** Start time of that PID (field 22 of /proc/<pid>/stat), so a reused PID is never taken for the container. */
  startTime: Type.String(),
  bundle: Type.String(),
  rootfs: Type.String(),
  created: Type.String(),
  /** Set while `create` runs; afterwards the status is derived from the process and the exec fifo. */
  creating: Type.Boolean(),
  cgroupsPath: Type.String(),
  annotations: Type.Record(Type.String(), Type.String()),
  /** The validated config.json, kept for exec, hooks and delete after the bundle may have changed. */
  config: Type.Unknown(),
});
export type ContainerRecord = Static<typeof ContainerRecord>;

export const stateDir = (root: string, id: string): string => posix.join(root, id);
export const statePath = (root: string, id: string): string => posix.join(root, id, "state.json");
export const fifoPath = (root: string, id: string): string => posix.join(root, id, "exec.fifo");
export const lockPath = (root: string, id: string): string => posix.join(root, id, ".lock");
/** Where create renders the container's limits view (runtime/container/limits-view.ts) and update re-renders it. */
export const limitsViewDir = (root: string, id: string): string => posix.join(root, id, "limits");

/** Container IDs become directory and cgroup names: keep them to a safe alphabet, as runc does. */
export const checkId = (id: string): void => {
  if (!/^[\w+.-]{1,1024}$/.test(id) || id === "." || id === "..")
    throw new Error(`Invalid container ID: '${id}' (use letters, digits, '_', '+', '-' and '.')`);
};

export const writeRecord = (root: string, rec: ContainerRecord): void =>
  writeFileAtomic(statePath(root, rec.id), JSON.stringify(rec), { mode: 0o600, durable: true });

export const readRecord = (root: string, id: string): ContainerRecord => {
  checkId(id);
  let text: string;
  try {
    text = readFileSync(statePath(root, id), "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") throw new Error(`Container '${id}' does not exist`);
    throw err;
  }
  const v: unknown = JSON.parse(text);
  if (!Value.Check(ContainerRecord, v)) throw new Error(`Corrupt state file: '${statePath(root, id)}'`);
  return v;
};
