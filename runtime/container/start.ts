// `start`: tell the waiting setup stage to go over its start socket, wait until the program runs (end of file) or the
// stage reports why it cannot (one line), then run poststart hooks. A failure stops the container with its reason.
import { unlinkSync } from "node:fs";
import { close } from "../../ffi/fd.ts";
import { isErrno } from "../../ffi/errno.ts";
import { connectUnixIn } from "../../ffi/socket.ts";
import { realSyscalls } from "../../ffi/syscalls.ts";
import { runHooksWarning } from "../process/hooks.ts";
import { hookSteps } from "../process/build-plan.ts";
import { LineChannel } from "../process/channel.ts";
import { decodeStage } from "../process/stage-messages.ts";
import type { Config } from "../spec/config.ts";
import { describeError } from "../errors.ts";
import { writeFileAtomic } from "../durable/atomic-file.ts";
import { recordChanges } from "./journal.ts";
import { procStat } from "./proc.ts";
import { lockContainer } from "./lock.ts";
import { readRecord, START_SOCKET, startSocketPath, stateDir, writeRecord, type ContainerRecord } from "./record.ts";
import { StageFailedError } from "./stage-failed.ts";
import { ociState, requireStatus } from "./status.ts";

/** Says "start" to the stage and reads until it has exec'd; returns the PID of a program it spawned instead. */
const release = (root: string, id: string): number | undefined => {
  let fd: number;
  try {
    fd = connectUnixIn(stateDir(root, id), START_SOCKET);
  } catch (err) {
    // Nobody listens: the setup stage is gone.
    if (isErrno(err, "ECONNREFUSED") || isErrno(err, "ENOENT")) throw new Error(`Cannot start container '${id}': its setup stage has exited`);
    throw err;
  }
  try {
    const conn = new LineChannel(realSyscalls, fd, fd);
    conn.send(Buffer.from("start\n"));
    let spawned: number | undefined;
    for (let line = conn.receive(); line !== undefined; line = conn.receive()) {
      const msg = decodeStage(line);
      if (msg.t === "failed") throw new StageFailedError(msg);
      if (msg.t === "spawned") spawned = msg.pid;
    }
    return spawned;
  } finally {
    close(fd);
  }
};

/** Returns the record as it is after the start: with the program's PID when the stage spawned it. */
export const startContainer = (root: string, id: string, journal: string | null, onWarning: (msg: string) => void = () => {}): ContainerRecord => {
  const lock = lockContainer(root, id);
  try {
    const rec = readRecord(root, id);
    requireStatus(root, rec, ["created"], "start");
    let spawned: number | undefined;
    try {
      spawned = release(root, id);
    } catch (err) {
      if (err instanceof StageFailedError) {
        // The stage exits after it said why: the container is stopped, and `state` says why.
        writeRecord(root, { ...rec, failure: describeError(err) });
        unlinkSync(startSocketPath(root, id));
      }
      throw err;
    }
    unlinkSync(startSocketPath(root, id));
    if (spawned !== undefined) {
      Object.assign(rec, { pid: spawned, startTime: procStat(spawned)?.startTime ?? "" });
      writeRecord(root, rec);
      if (rec.pidFile) writeFileAtomic(rec.pidFile, String(spawned));
    }
    recordChanges(journal, [
      { kind: "started", id, pid: rec.pid, startTime: Number(rec.startTime) },
      { kind: "desired", id, running: true },
    ]);
    // The spec: a failing poststart hook is logged, the others run and the container keeps running.
    runHooksWarning("poststart", hookSteps((rec.config as Config).hooks?.poststart), JSON.stringify(ociState(rec, "running")), onWarning);
    return rec;
  } finally {
    lock.release();
  }
};
