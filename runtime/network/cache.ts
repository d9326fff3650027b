// What bunker keeps of each attachment of a container to a CNI network, so that DEL (and CHECK, and `update` of its
// rate limits) works later, also after a reboot: the config list as it was at ADD, the runtime arguments and the
// result, in <network dir>/results/<network>-<container>-<interface> (libcni's naming). The entry is written durably
// before ADD runs (without a result: a power cut during ADD still leaves what DEL needs) and again with the result;
// it is removed after a successful DEL.
import { Type, type Static } from "@sinclair/typebox";
import { join } from "node:path";
import { writeFileAtomic } from "../durable/atomic-file.ts";
import { schemaCheck } from "../durable/schema-check.ts";
import { fsStorage, type Storage } from "../durable/storage.ts";
import { CniResult, NetworkConfigList } from "./cni-types.ts";

export const CACHE_KIND = "bunkerCniCacheV1";

export const CacheEntry = Type.Object({
  kind: Type.Literal(CACHE_KIND),
  /** bunker's state root the container belongs to: one network directory can serve several roots. */
  root: Type.String(),
  containerId: Type.String(),
  ifName: Type.String(),
  /** The network namespace as ADD saw it (bunker's pin of it); it may be gone by DEL. */
  netns: Type.String(),
  config: NetworkConfigList,
  path: Type.Array(Type.String()),
  args: Type.Array(Type.Tuple([Type.String(), Type.String()])),
  capabilityArgs: Type.Record(Type.String(), Type.Unknown()),
  /** Absent while ADD runs. */
  result: Type.Optional(CniResult),
  shaping: Type.Array(Type.Object({ index: Type.Integer({ minimum: 0 }), input: Type.Optional(CniResult), output: CniResult })),
});
export type CacheEntry = Static<typeof CacheEntry>;

const check = schemaCheck(CacheEntry);

export const resultsDir = (networkDir: string): string => join(networkDir, "results");
export const cachePath = (networkDir: string, network: string, containerId: string, ifName: string): string =>
  join(resultsDir(networkDir), `${network}-${containerId}-${ifName}`);

export const writeCache = (path: string, entry: CacheEntry, storage: Storage = fsStorage()): void => {
  storage.ensureDir(join(path, ".."));
  writeFileAtomic(path, JSON.stringify(entry), { mode: 0o600, durable: true }, storage);
};

/** The entry at `path`, undefined when there is none; an error naming the file when it is not an entry. */
export const readCache = (path: string, storage: Storage = fsStorage()): CacheEntry | undefined => {
  const bytes = storage.read(path);
  if (!bytes) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new Error(`Corrupt CNI cache entry '${path}': not valid JSON`);
  }
  if (!check.Check(v)) {
    const first = check.First(v);
    throw new Error(`Corrupt CNI cache entry '${path}': ${first ? `${first.path || "/"}: ${first.message}` : "not an entry"}`);
  }
  return v as CacheEntry;
};

export const removeCache = (path: string, storage: Storage = fsStorage()): void => {
  storage.remove(path);
  storage.fsyncDir(join(path, ".."));
};

/** Paths of every entry in the network directory (temporary files of an interrupted write excluded). */
export const cacheFiles = (networkDir: string, storage: Storage = fsStorage()): string[] =>
  storage.list(resultsDir(networkDir)).filter((n) => !n.endsWith(".tmp")).map((n) => join(resultsDir(networkDir), n));
