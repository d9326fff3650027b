// Waiting for a child that Bun did not spawn, without polling: a worker blocks in waitpid() for it.
import { exitCodeOf } from "../../ffi/process.ts";
import { workerUrl } from "../compiled.ts";


/** Resolves with the exit status (128 + N when signal N killed it) of `pid`, which must be our child by then. */
export const waitForPid = (pid: number): Promise<number> =>
  new Promise((resolve, reject) => {
    const worker = new Worker(workerUrl("process/wait-worker.ts", new URL("./wait-worker.ts", import.meta.url)));
    worker.onmessage = (m: MessageEvent<{ status?: number; error?: string }>) => {
      worker.terminate();
      if (m.data.error !== undefined) reject(new Error(`Waiting for PID ${pid}: ${m.data.error}`));
      else resolve(exitCodeOf(m.data.status!));
    };
    worker.addEventListener("error", (e) => reject(new Error(`Waiting for PID ${pid}: ${e.message}`)));
    worker.postMessage(pid);
  });
