// What bunker keeps about one container in <root>/<id>/state.json, written tmp-then-rename.
import { Type, type Static } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { readFileSync } from "node:fs";
import { posix } from "node:path";
import { writeFileAtomic } from "../durable/atomic-file.ts";
import { NetworkState } from "../network/state.ts";

export const ContainerRecord = Type.Object({
  id: Type.String(),
  /** Host PID of the container's process (the setup stage until start, then the user's program). */
  pid: Type.Integer(),
  /** Start time of that PID (field 22 of /proc/<pid>/stat), so a reused PID is never taken for the container. */
  startTime: Type.String(),
  bundle: Type.String(),
  rootfs: Type.String(),
  created: Type.String(),
  /** Set while `create` runs; afterwards the status is derived from the process and the start socket. */
  creating: Type.Boolean(),
  cgroupsPath: Type.String(),
  annotations: Type.Record(Type.String(), Type.String()),
  /** The validated config.json, kept for exec, hooks and delete after the bundle may have changed. */
  config: Type.Unknown(),
  /** Annotations given on the command line over the config's (--network, -p): a daemon's restart keeps them. */
  annotationOverrides: Type.Optional(Type.Record(Type.String(), Type.String())),
  network: Type.Optional(NetworkState),
  /** Why the program never ran, when the setup stage failed after `start` (a hook, capabilities, execve...). */
  failure: Type.Optional(Type.String()),
  /** The container's seccomp filter as create compiled it from linux.seccomp (plan.ts SeccompStep): every process
   * exec'd into the container gets it too, as runc's do. */
  seccomp: Type.Optional(
    Type.Object({
      program: Type.String(),
      flags: Type.Integer(),
      listener: Type.Union([Type.Null(), Type.Object({ path: Type.String(), metadata: Type.Union([Type.String(), Type.Null()]) })]),
    }),
  ),
  /** create's --pid-file, written again when `start` learns the program's PID (a stage that spawns it). */
  pidFile: Type.Optional(Type.String()),
});
export type ContainerRecord = Static<typeof ContainerRecord>;

export const stateDir = (root: string, id: string): string => posix.join(root, id);
export const statePath = (root: string, id: string): string => posix.join(root, id, "state.json");
/** The unix socket the created container's stage listens on: `start` connects, says "start" and reads until EOF. */
export const START_SOCKET = "start.sock";
export const startSocketPath = (root: string, id: string): string => posix.join(root, id, START_SOCKET);
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

/** No state file: the container does not exist. */
export class NoSuchContainerError extends Error {
  constructor(id: string) {
    super(`Container '${id}' does not exist`);
  }
}

/** A state file that is there but is no container record: the container shows as damaged until `delete --force`. */
export class DamagedStateError extends Error {}

export const readRecord = (root: string, id: string): ContainerRecord => {
  checkId(id);
  const path = statePath(root, id);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") throw new NoSuchContainerError(id);
    throw err;
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    // Not the parser's message: it quotes the file, whose bytes are not echoed.
    throw new DamagedStateError(`Corrupt state file '${path}': not valid JSON`);
  }
  if (!Value.Check(ContainerRecord, v)) {
    const first = Value.Errors(ContainerRecord, v).First();
    throw new DamagedStateError(`Corrupt state file '${path}': ${first ? `${first.path || "/"}: ${first.message}` : "not a container record"}`);
  }
  return v;
};
