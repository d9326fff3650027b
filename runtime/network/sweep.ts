// Attachments whose container is gone: after a power cut (the state root is on tmpfs, the cache is not) or a crash
// between ADD and the container's record. `resume` and the daemon run DEL for each at start, so that no lease,
// iptables rule or device outlives its container. An attachment of a container that still runs is never touched.
import { resolve } from "node:path";
import { describeError } from "../errors.ts";
import { cacheFiles, readCache } from "./cache.ts";
import type { NetworkSys } from "./host-sys.ts";
import { releaseFromCache } from "./release.ts";

export interface Swept {
  released: { id: string; network: string }[];
  problems: string[];
}

export const sweepNetworks = (networkDir: string, root: string, isLive: (id: string) => boolean, sys: NetworkSys): Swept => {
  const out: Swept = { released: [], problems: [] };
  const own = resolve(root);
  for (const path of cacheFiles(networkDir, sys.storage)) {
    try {
      const entry = readCache(path, sys.storage);
      if (!entry || entry.root !== own || isLive(entry.containerId)) continue;
      releaseFromCache(path, sys);
      out.released.push({ id: entry.containerId, network: entry.config.name });
    } catch (err) {
      out.problems.push(describeError(err));
    }
  }
  return out;
};
