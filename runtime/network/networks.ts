// Finds the config list of a network mode: bunker's default bridge list (written on first use), or the list of that
// name in the CNI config directory (*.conflist and *.json lists, *.conf single plugins, in file name order as libcni
// reads them). Files that are not CNI configs are skipped; each one read is bounded.
import { join } from "node:path";
import { writeFileAtomic } from "../durable/atomic-file.ts";
import { fsStorage, type Storage } from "../durable/storage.ts";
import { decodeConfigList, parseJson, type NetworkConfigList } from "./cni-types.ts";
import { BRIDGE_MODE, bridgeListPath, defaultBridgeList } from "./default-bridge.ts";
import type { NetworkEnv } from "./env.ts";

const MAX_CONFIG_BYTES = 1 << 20;

const readBounded = (storage: Storage, path: string): string | undefined => {
  const size = storage.size(path);
  if (size === undefined || size > MAX_CONFIG_BYTES) return undefined;
  const bytes = storage.read(path);
  return bytes && new TextDecoder().decode(bytes);
};

/** A list from a file's text: a list as it is, a single plugin's config (.conf) as a list of one. */
export const listFromText = (text: string, file: string): NetworkConfigList => {
  const what = `CNI config '${file}'`;
  const doc = parseJson(text, what) as Record<string, unknown>;
  if (file.endsWith(".conf") && doc && typeof doc === "object" && !("plugins" in doc)) {
    const { cniVersion, name, ...plugin } = doc;
    return decodeConfigList({ cniVersion, name, plugins: [plugin] }, what);
  }
  return decodeConfigList(doc, what);
};

const bridgeList = (env: NetworkEnv, storage: Storage): NetworkConfigList => {
  const path = bridgeListPath(env.dir);
  const text = readBounded(storage, path);
  if (text !== undefined) return listFromText(text, path);
  if (storage.size(path) !== undefined) throw new Error(`CNI config '${path}' is larger than ${MAX_CONFIG_BYTES} bytes`);
  const list = defaultBridgeList(env.dir);
  storage.ensureDir(env.dir);
  writeFileAtomic(path, `${JSON.stringify(list, null, 2)}\n`, { mode: 0o644, durable: true }, storage);
  return list;
};

const namedList = (name: string, env: NetworkEnv, storage: Storage): NetworkConfigList => {
  const files = storage.list(env.configDir).filter((f) => /\.(conflist|json|conf)$/.test(f)).sort();
  for (const f of files) {
    const path = join(env.configDir, f);
    const text = readBounded(storage, path);
    if (text === undefined) continue;
    let list: NetworkConfigList;
    try {
      list = listFromText(text, path);
    } catch {
      continue;
    }
    if (list.name === name) return list;
  }
  throw new Error(`No CNI network named '${name}' in '${env.configDir}' (modes: none, host, bridge, or a network's name)`);
};

export const networkList = (mode: string, env: NetworkEnv, storage: Storage = fsStorage()): NetworkConfigList =>
  mode === BRIDGE_MODE ? bridgeList(env, storage) : namedList(mode, env, storage);
