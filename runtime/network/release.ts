// Taking a container off its network, from what the cache kept: DEL of the list as it was at ADD, with the result
// of ADD as prevResult and the namespace pin if it still holds the namespace (else an empty CNI_NETNS: the plugins
// then release what they can, as the spec asks of them). The cache entry goes once DEL succeeded; a failed DEL keeps
// it, so that a later delete or `resume` tries again.
import { describeError } from "../errors.ts";
import { readCache, removeCache } from "./cache.ts";
import { delNetworkList } from "./cni.ts";
import { runtimeConfOf } from "./attachment.ts";
import type { NetworkSys } from "./host-sys.ts";
import type { NetworkState } from "./state.ts";

/** DEL from the entry at `path`; false when there is no entry (nothing to release). */
export const releaseFromCache = (path: string, sys: NetworkSys): boolean => {
  const entry = readCache(path, sys.storage);
  if (!entry) return false;
  const netns = sys.isNetns(entry.netns) ? entry.netns : "";
  try {
    delNetworkList(sys.runner, entry.config, entry.result, runtimeConfOf(entry, netns));
  } catch (err) {
    throw new Error(`Removing container '${entry.containerId}' from network '${entry.config.name}' failed (its cache entry '${path}' is kept for another try)`, { cause: err });
  }
  removeCache(path, sys.storage);
  return true;
};

/** Releases everything the state names; returns what could not be released (the caller goes on and reports it). */
export const releaseNetwork = (state: NetworkState | undefined, sys: NetworkSys): Error[] => {
  const problems: Error[] = [];
  const attempt = (what: string, fn: () => unknown): void => {
    try {
      fn();
    } catch (err) {
      problems.push(new Error(`${what}: ${describeError(err)}`, { cause: err }));
    }
  };
  if (state?.cache) attempt("Network release", () => releaseFromCache(state.cache!, sys));
  if (state?.netns) attempt("Network namespace pin", () => sys.unpinNetns(state.netns!));
  return problems;
};
