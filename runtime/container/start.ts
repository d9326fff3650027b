// `start`: tell the waiting setup stage to go over its start socket, wait until the program runs (end of file) or the
// stage reports why it cannot (one line), then run poststart hooks. A failure stops the container with its reason.
import { isErrno } from "../../ffi/errno.ts";
import { hookSteps } from "../process/build-plan.ts";
import { decodeStage } from "../process/stage-messages.ts";
import type { Config } from "../spec/config.ts";
import { describeError, warnOnStderr } from "../errors.ts";
import { hostEnv, type ContainerEnv } from "./env.ts";
import type { ContainerRecord } from "./record.ts";
import { StageFailedError } from "./stage-failed.ts";
import { ociState, requireStatus } from "./status.ts";

/** Says "start" to the stage and reads until it has exec'd; returns the PID of a program it spawned instead. */
const release = (env: ContainerEnv, root: string, id: string): number | undefined => {
  let link: ReturnType<ContainerEnv["state"]["connectStart"]>;
  try {
    link = env.state.connectStart(root, id);
  } catch (err) {
    // Nobody listens: the setup stage is gone.
    if (isErrno(err, "ECONNREFUSED") || isErrno(err, "ENOENT")) throw new Error(`Cannot start container '${id}': its setup stage has exited`);
    throw err;
  }
  try {
    link.send("start");
    let spawned: number | undefined;
    for (let line = link.receive(); line !== undefined; line = link.receive()) {
      const msg = decodeStage(line);
      if (msg.t === "failed") throw new StageFailedError(msg);
      if (msg.t === "spawned") spawned = msg.pid;
    }
    return spawned;
  } finally {
    link.close();
  }
};

/** Returns the record as it is after the start: with the program's PID when the stage spawned it. */
export const startContainer = (
  root: string,
  id: string,
  journal: string | null,
  onWarning: (msg: string) => void = warnOnStderr,
  env: ContainerEnv = hostEnv,
): ContainerRecord => {
  const lock = env.state.lock(root, id);
  try {
    const rec = env.state.read(root, id);
    requireStatus(root, rec, ["created"], "start", env);
    let spawned: number | undefined;
    try {
      spawned = release(env, root, id);
    } catch (err) {
      if (err instanceof StageFailedError) {
        // The stage exits after it said why: the container is stopped, and `state` says why.
        env.state.write(root, { ...rec, failure: describeError(err) });
        env.state.removeStartSocket(root, id);
      }
      throw err;
    }
    env.state.removeStartSocket(root, id);
    if (spawned !== undefined) {
      Object.assign(rec, { pid: spawned, startTime: env.processes.stat(spawned)?.startTime ?? "" });
      env.state.write(root, rec);
      if (rec.pidFile) env.state.writePidFile(rec.pidFile, spawned);
    }
    env.journal.record(journal, [
      { kind: "started", id, pid: rec.pid, startTime: Number(rec.startTime) },
      { kind: "desired", id, running: true },
    ]);
    // The spec: a failing poststart hook is logged, the others run and the container keeps running.
    env.hooks.runWarning("poststart", hookSteps((rec.config as Config).hooks?.poststart), JSON.stringify(ociState(rec, "running")), onWarning);
    return rec;
  } finally {
    lock.release();
  }
};
