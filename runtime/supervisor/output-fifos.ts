// A service's stdout and stderr reach the daemon through two named pipes in the state root, not through pipes of the
// daemon's own: the container holds its ends open for reading too, so a daemon that exits or restarts never costs the
// service a SIGPIPE; its output waits in the pipe (64 KiB) until the next daemon opens the other end and reads on.
import { closeSync, mkdirSync, openSync } from "node:fs";
import { join } from "node:path";
import { O, S_IFIFO } from "../../ffi/constants.ts";
import { isErrno } from "../../ffi/errno.ts";
import { mknod } from "../../ffi/fd.ts";
import type { LogRing, LogStream } from "./log-ring.ts";

const STREAMS: Record<LogStream, string> = { out: "stdout", err: "stderr" };

const ensureFifos = (dir: string): void => {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const name of Object.values(STREAMS)) {
    try {
      mknod(join(dir, name), S_IFIFO | 0o600, 0n);
    } catch (err) {
      if (!isErrno(err, "EEXIST")) throw err;
    }
  }
};

/** The container's stdout and stderr; the caller closes them once the container's process has them. */
export const openContainerOutput = (dir: string): { stdout: number; stderr: number } => {
  ensureFifos(dir);
  // O_RDWR: opening does not wait for a reader, and the container is a reader itself, so its writes never break.
  const stdout = openSync(join(dir, STREAMS.out), O.RDWR | O.CLOEXEC);
  try {
    return { stdout, stderr: openSync(join(dir, STREAMS.err), O.RDWR | O.CLOEXEC) };
  } catch (err) {
    closeSync(stdout);
    throw err;
  }
};

export interface OutputCollector {
  /** Writes what is buffered now (someone reads the log). */
  flush(): void;
  close(): Promise<void>;
}

/** Reads both pipes into `ring` as the service writes (Bun's loop waits on them: no polling). */
export const collectOutput = (dir: string, ring: LogRing): OutputCollector => {
  ensureFifos(dir);
  const readers = (Object.entries(STREAMS) as [LogStream, string][]).map(([stream, name]) => {
    // Our end never sees end-of-file: it holds the pipe open for writing too, whatever the containers do.
    const fd = openSync(join(dir, name), O.RDWR | O.NONBLOCK | O.CLOEXEC);
    const reader = Bun.file(fd).stream().getReader();
    const pumped = (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        ring.append(stream, value);
      }
    })().catch(() => {});
    return { fd, reader, pumped };
  });
  return {
    flush: () => ring.flush(),
    async close() {
      for (const r of readers) {
        await r.reader.cancel().catch(() => {});
        await r.pumped;
        closeSync(r.fd);
      }
      ring.close();
    },
  };
};
