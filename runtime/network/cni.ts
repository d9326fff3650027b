// The CNI operations on a network configuration list, as the spec has a runtime do them: ADD runs the plugins in
// order, each given the previous one's result as prevResult; CHECK runs them in order and DEL in reverse, each given
// the result of the ADD. Every plugin sees the list's name and cniVersion, and in runtimeConfig the capability
// arguments it declares it takes. A failed ADD is undone by a DEL of the whole list before the error is thrown.
import { checkOutput, type PluginCall, type PluginRunner } from "./cni-exec.ts";
import { decodeResult, parseJson, type CniResult, type NetworkConfigList } from "./cni-types.ts";

/** What one attachment of a container to a network is called with (libcni's RuntimeConf). */
export interface RuntimeConf {
  containerId: string;
  netns: string;
  ifName: string;
  args: [string, string][];
  /** portMappings, bandwidth, ...: each reaches only the plugins whose config lists it in "capabilities". */
  capabilityArgs: Record<string, unknown>;
  /** CNI_PATH. */
  path: string[];
}

/** A plugin's input and output during ADD: what `update` needs to run that plugin again on its own. */
export interface PluginStep {
  index: number;
  input?: CniResult;
  output: CniResult;
}

export interface Added {
  result: CniResult;
  /** The steps of the plugins that take the bandwidth capability. */
  shaping: PluginStep[];
}

const capabilityConfig = (plugin: NetworkConfigList["plugins"][number], rt: RuntimeConf): Record<string, unknown> | undefined => {
  const rc = Object.fromEntries(Object.entries(plugin.capabilities ?? {}).filter(([k, on]) => on && k in rt.capabilityArgs).map(([k]) => [k, rt.capabilityArgs[k]]));
  return Object.keys(rc).length ? rc : undefined;
};

/** The config one plugin of the list reads on stdin. */
export const pluginConfig = (list: NetworkConfigList, index: number, prevResult: CniResult | undefined, rt: RuntimeConf): string => {
  const plugin = list.plugins[index]!;
  const runtimeConfig = capabilityConfig(plugin, rt);
  return JSON.stringify({
    ...plugin,
    cniVersion: list.cniVersion,
    name: list.name,
    ...(prevResult ? { prevResult } : {}),
    ...(runtimeConfig ? { runtimeConfig } : {}),
  });
};

const call = (list: NetworkConfigList, index: number, command: PluginCall["command"], prevResult: CniResult | undefined, rt: RuntimeConf): PluginCall => ({
  type: list.plugins[index]!.type,
  command,
  containerId: rt.containerId,
  netns: rt.netns,
  ifName: rt.ifName,
  args: rt.args,
  path: rt.path,
  stdin: pluginConfig(list, index, prevResult, rt),
});

/** Runs one plugin's ADD; returns its result. */
export const addPlugin = (runner: PluginRunner, list: NetworkConfigList, index: number, prevResult: CniResult | undefined, rt: RuntimeConf): CniResult => {
  const c = call(list, index, "ADD", prevResult, rt);
  const what = `The result of CNI plugin '${c.type}' ADD`;
  return decodeResult(parseJson(checkOutput(c, runner.run(c)), what), what);
};

export const delPlugin = (runner: PluginRunner, list: NetworkConfigList, index: number, prevResult: CniResult | undefined, rt: RuntimeConf): void => {
  const c = call(list, index, "DEL", prevResult, rt);
  checkOutput(c, runner.run(c));
};

/** DEL of every plugin, last first; stops at the first failure, as the spec says. */
export const delNetworkList = (runner: PluginRunner, list: NetworkConfigList, prevResult: CniResult | undefined, rt: RuntimeConf): void => {
  for (let i = list.plugins.length - 1; i >= 0; i--) delPlugin(runner, list, i, prevResult, rt);
};

export const addNetworkList = (runner: PluginRunner, list: NetworkConfigList, rt: RuntimeConf): Added => {
  let result: CniResult | undefined;
  const shaping: PluginStep[] = [];
  try {
    list.plugins.forEach((plugin, index) => {
      const input = result;
      result = addPlugin(runner, list, index, input, rt);
      if (plugin.capabilities?.bandwidth) shaping.push({ index, ...(input ? { input } : {}), output: result });
    });
  } catch (err) {
    const main = new Error(`Adding container '${rt.containerId}' to network '${list.name}' failed`, { cause: err });
    try {
      delNetworkList(runner, list, undefined, rt);
    } catch (undo) {
      throw new AggregateError([undo], main.message, { cause: main });
    }
    throw main;
  }
  return { result: result!, shaping };
};

const SUPPORTS_CHECK = new Set(["0.4.0", "1.0.0"]);

/**
 * The reference bandwidth plugin up to 1.1.x (Debian's) dereferences nil in CHECK when it has no rate to check, and
 * panics. Given no rate, its ADD did nothing, so there is nothing for it to check.
 */
const idleBandwidth = (plugin: NetworkConfigList["plugins"][number], rt: RuntimeConf): boolean =>
  plugin.type === "bandwidth" && capabilityConfig(plugin, rt)?.bandwidth === undefined && !["ingressRate", "egressRate"].some((k) => k in plugin);

/** CHECK of every plugin in order; nothing when the list disables it or predates CHECK (0.4.0). */
export const checkNetworkList = (runner: PluginRunner, list: NetworkConfigList, prevResult: CniResult, rt: RuntimeConf): void => {
  if (list.disableCheck || !SUPPORTS_CHECK.has(list.cniVersion)) return;
  list.plugins.forEach((plugin, index) => {
    if (idleBandwidth(plugin, rt)) return;
    const c = call(list, index, "CHECK", prevResult, rt);
    checkOutput(c, runner.run(c));
  });
};
