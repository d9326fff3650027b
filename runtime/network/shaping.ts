// `bunker update` of a container's rate limits, live, through the bandwidth plugin itself: DEL of that plugin alone
// (it removes the egress ifb device), the qdiscs its DEL leaves on the host-side veth (root and ingress) removed, then ADD of
// that plugin alone with the new limits and the input it had at the first ADD. bunker does not shape traffic itself:
// tc stays the plugin's, with the plugin's own qdisc parameters, and a network whose plugins shape differently still
// works. The cache entry is rewritten with the new limits and result, so that DEL and later updates follow.
import { readCache, writeCache, type CacheEntry } from "./cache.ts";
import { addPlugin, delPlugin } from "./cni.ts";
import type { CniResult } from "./cni-types.ts";
import { runtimeConfOf } from "./attachment.ts";
import type { NetworkSys } from "./host-sys.ts";
import type { Bandwidth } from "./request.ts";
import type { NetworkState } from "./state.ts";

const names = (r: CniResult | undefined): Set<string> => new Set((r?.interfaces ?? []).map((i) => i.name));

/** The final result with the interfaces the plugin added before swapped for those it added now. */
const withStep = (final: CniResult, input: CniResult | undefined, before: CniResult, after: CniResult, last: boolean): CniResult => {
  if (last) return after;
  const had = names(input);
  const old = [...names(before)].filter((n) => !had.has(n));
  const added = (after.interfaces ?? []).filter((i) => !had.has(i.name));
  return { ...final, interfaces: [...(final.interfaces ?? []).filter((i) => !old.includes(i.name)), ...added] };
};

export const updateBandwidth = (state: NetworkState, bandwidth: Bandwidth | undefined, sys: NetworkSys): void => {
  if (!state.cache || !state.netns) throw new Error("Rate limits need a CNI network (bunker.network bridge or a network's name)");
  const entry = readCache(state.cache, sys.storage);
  if (!entry?.result) throw new Error(`The container has no CNI attachment to update (no cache entry '${state.cache}')`);
  const [step] = entry.shaping;
  if (!step) throw new Error(`Network '${entry.config.name}' has no plugin that takes the 'bandwidth' capability: its rate limits cannot change`);
  const { bandwidth: _old, ...rest } = entry.capabilityArgs;
  const next: CacheEntry = { ...entry, capabilityArgs: { ...rest, ...(bandwidth ? { bandwidth } : {}) } };
  delPlugin(sys.runner, entry.config, step.index, entry.result, runtimeConfOf(entry, entry.netns));
  sys.clearPeerQdisc(entry.netns, entry.ifName);
  const output = addPlugin(sys.runner, entry.config, step.index, step.input, runtimeConfOf(next, entry.netns));
  const last = step.index === entry.config.plugins.length - 1;
  writeCache(
    state.cache,
    { ...next, result: withStep(entry.result, step.input, step.output, output, last), shaping: [{ ...step, output }, ...entry.shaping.slice(1)] },
    sys.storage,
  );
};
