// One container's attachment to a CNI network as the CNI calls see it: the runtime arguments rebuilt from a cache
// entry, the capability arguments of a request, the container's addresses in a result.
import type { CacheEntry } from "./cache.ts";
import type { RuntimeConf } from "./cni.ts";
import type { CniResult } from "./cni-types.ts";
import type { NetworkRequest } from "./request.ts";

export const capabilityArgs = (r: NetworkRequest): Record<string, unknown> => ({
  ...(r.ports.length ? { portMappings: r.ports } : {}),
  ...(r.bandwidth ? { bandwidth: r.bandwidth } : {}),
});

/** The arguments DEL, CHECK and update use: those of the ADD, with the namespace as it is now ("" once it is gone). */
export const runtimeConfOf = (e: CacheEntry, netns: string): RuntimeConf => ({
  containerId: e.containerId,
  netns,
  ifName: e.ifName,
  args: e.args.map(([k, v]) => [k, v]),
  capabilityArgs: e.capabilityArgs,
  path: e.path,
});

/** Addresses (CIDR) of the interfaces inside the container. */
export const containerAddresses = (r: CniResult): string[] =>
  (r.ips ?? []).filter((ip) => ip.interface === undefined || r.interfaces?.[ip.interface]?.sandbox).map((ip) => ip.address);
