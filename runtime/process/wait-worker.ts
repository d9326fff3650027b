// A thread that blocks in waitpid() for one process that is not Bun's own child (a container init reparented to
// bunker as its subreaper) and posts its wait status.
import { waitpid } from "../../ffi/process.ts";

declare const self: { onmessage: ((e: MessageEvent<number>) => void) | null };

self.onmessage = (e) => {
  try {
    postMessage({ status: waitpid(e.data).status });
  } catch (err) {
    postMessage({ error: (err as Error).message });
  }
};
