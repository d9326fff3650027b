// `start`: release the waiting setup stage through the exec fifo, then run poststart hooks.
import { unlinkSync } from "node:fs";
import { O } from "../../ffi/constants.ts";
import { isErrno } from "../../ffi/errno.ts";
import { close, open, writeAll } from "../../ffi/fd.ts";
import { lockFile } from "../../ffi/lock.ts";
import { runHooks } from "../process/hooks.ts";
import { hookSteps } from "../process/build-plan.ts";
import type { Config } from "../spec/config.ts";
import { recordChanges } from "./journal.ts";
import { fifoPath, lockPath, readRecord, type ContainerRecord } from "./record.ts";
import { ociState, requireStatus } from "./status.ts";

export const startContainer = (root: string, id: string, journal: string | null, onWarning: (msg: string) => void = () => {}): ContainerRecord => {
  const rec = readRecord(root, id);
  const lock = lockFile(lockPath(root, id));
  try {
    requireStatus(root, rec, ["created"], "start");
    const fifo = fifoPath(root, id);
    let fd: number;
    try {
      fd = open(fifo, O.WRONLY | O.NONBLOCK | O.CLOEXEC);
    } catch (err) {
      // ENXIO: no reader, the setup stage is gone.
      if (isErrno(err, "ENXIO")) throw new Error(`Cannot start container '${id}': its setup stage has exited`);
      throw err;
    }
    try {
      writeAll(fd, Buffer.from("0"), "exec fifo");
    } finally {
      close(fd);
    }
    unlinkSync(fifo);
    recordChanges(journal, [
      { kind: "started", id, pid: rec.pid, startTime: Number(rec.startTime) },
      { kind: "desired", id, running: true },
    ]);
    try {
      runHooks("poststart", hookSteps((rec.config as Config).hooks?.poststart), JSON.stringify(ociState(rec, "running")));
    } catch (err) {
      // The spec: a failing poststart hook is logged, the container keeps running.
      onWarning((err as Error).message);
    }
    return rec;
  } finally {
    lock.release();
  }
};
