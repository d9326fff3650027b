// The config changes a network request makes before the setup stage starts: the network namespace (none of its own
// for host; a new one for none, bridge and named networks), the bind mounts of the /etc files bunker renders, and,
// when the socket policy does not allow packet sockets, CAP_NET_RAW taken away (the eBPF socket hook sees only inet
// sockets; without the capability, socket(AF_PACKET) fails with EPERM).
import { hostname as osHostname } from "node:os";
import { join } from "node:path";
import type { Config } from "../spec/config.ts";
import { fsStorage, type Storage } from "../durable/storage.ts";
import type { NetworkConfigList } from "./cni-types.ts";
import { cachePath } from "./cache.ts";
import { CONTAINER_IFNAME, type NetworkEnv } from "./env.ts";
import { etcMounts, readHostFile, renderEtc, writeEtc, type EtcInput } from "./etc-files.ts";
import { networkList } from "./networks.ts";
import { networkRequest, NETWORK_ANNOTATIONS, type NetworkRequest } from "./request.ts";
import type { NetworkState } from "./state.ts";

export interface PrepareInput {
  config: Config;
  id: string;
  /** The container's state directory (exists already). */
  stateDir: string;
  env: NetworkEnv;
  storage?: Storage;
  /** The host's files the /etc files start from (tests hand in their own). */
  host?: { resolv: string; hosts: string; hostname: string };
}

export interface Prepared {
  config: Config;
  request?: NetworkRequest;
  state?: NetworkState;
  /** The CNI config list, for a CNI mode. */
  list?: NetworkConfigList;
  /** What the /etc files are rendered from (addresses come later). */
  etc?: EtcInput;
}

export const netnsPin = (stateDir: string): string => join(stateDir, "netns");
export const etcDir = (stateDir: string): string => join(stateDir, "etc");

const withNamespaces = (config: Config, request: NetworkRequest): Config => {
  const mode = request.mode;
  if (!mode) return config;
  const namespaces = config.linux?.namespaces ?? [];
  const own = namespaces.find((n) => n.type === "network");
  if (mode.kind === "host") return { ...config, linux: { ...config.linux, namespaces: namespaces.filter((n) => n.type !== "network") } };
  if (own?.path)
    throw new Error(`'${NETWORK_ANNOTATIONS.mode}' ${mode.kind === "cni" ? mode.network : mode.kind} needs a network namespace of the container's own, and linux.namespaces joins '${own.path}'`);
  return own ? config : { ...config, linux: { ...config.linux, namespaces: [...namespaces, { type: "network" }] } };
};

const withoutNetRaw = (config: Config): Config => {
  const caps = config.process.capabilities;
  if (!caps) return config;
  const drop = (set?: string[]): string[] | undefined => set?.filter((c) => c !== "CAP_NET_RAW");
  const out = Object.fromEntries(Object.entries(caps).map(([k, v]) => [k, drop(v as string[])]));
  return { ...config, process: { ...config.process, capabilities: out } };
};

export const prepareNetwork = (input: PrepareInput): Prepared => {
  const { config, env } = input;
  const request = networkRequest(config.annotations ?? {});
  if (!request) return { config };
  let out = withNamespaces(config, request);
  if (request.policy?.families && !request.policy.families.includes("packet")) out = withoutNetRaw(out);
  const mode = request.mode;
  if (!mode) return { config: out, request, state: {} };
  const host = input.host ?? { resolv: readHostFile("/etc/resolv.conf"), hosts: readHostFile("/etc/hosts"), hostname: osHostname() };
  const ownUts = out.linux?.namespaces?.some((n) => n.type === "uts") ?? false;
  const etc: EtcInput = {
    hostname: ownUts ? (out.hostname ?? input.id) : host.hostname,
    hostResolv: host.resolv,
    hostHosts: host.hosts,
    shared: mode.kind === "host",
    request,
  };
  const dir = etcDir(input.stateDir);
  writeEtc(dir, renderEtc(etc));
  out = { ...out, mounts: [...(out.mounts ?? []), ...etcMounts(dir)] };
  const state: NetworkState = { mode: mode.kind, etc: dir };
  if (mode.kind !== "cni") return { config: out, request, state, etc };
  const list = networkList(mode.network, env, input.storage ?? fsStorage());
  Object.assign(state, {
    network: list.name,
    ifName: CONTAINER_IFNAME,
    netns: netnsPin(input.stateDir),
    cache: cachePath(env.dir, list.name, input.id, CONTAINER_IFNAME),
  });
  return { config: out, request, state, list, etc };
};
