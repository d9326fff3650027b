// What the daemon does for networks when it starts, beside re-adopting the containers that run.
import { describeError } from "../errors.ts";
import { checkContainerNetwork, readoptPolicy, sweepContainerNetworks } from "../container/network.ts";
import { listContainers } from "../container/list.ts";
import { DEFAULT_NETWORK_ENV, type NetworkEnv } from "../network/env.ts";
import { hostNetworkSys, type NetworkSys } from "../network/host-sys.ts";

/**
 * Attachments of containers gone are released, and each live container's policy programs and CNI attachment are
 * checked (the programs put back where missing). Returns what to report.
 */
export const adoptNetworks = (root: string, env: NetworkEnv = DEFAULT_NETWORK_ENV, sys: NetworkSys = hostNetworkSys()): string[] => {
  const swept = sweepContainerNetworks(root, env, sys);
  const out = [...swept.released.map((r) => `Released the attachment of container '${r.id}' to network '${r.network}': the container no longer exists`), ...swept.problems];
  for (const { record, status } of listContainers(root).containers) {
    if (status === "stopped" || !record.network) continue;
    try {
      const note = readoptPolicy(root, record.id, sys);
      if (note) out.push(note);
      checkContainerNetwork(record, sys);
    } catch (err) {
      out.push(`Container '${record.id}': its network does not check out: ${describeError(err)}`);
    }
  }
  return out;
};
