// The container lifecycle's calls into runtime/network: the config changes before the setup stage starts, the
// attachment at the one seam after the stage made the namespaces (from the parent, before create returns), its
// release on every way a container ends (delete, a failed create), live changes by `update`, and what `state` shows.
import { existsSync } from "node:fs";
import { describeError } from "../errors.ts";
import type { CgroupManager } from "../cgroups/manager.ts";
import type { Config } from "../spec/config.ts";
import { attachNetwork } from "../network/attach.ts";
import { DEFAULT_NETWORK_ENV, type NetworkEnv } from "../network/env.ts";
import { hostNetworkSys, type NetworkSys } from "../network/host-sys.ts";
import { releaseNetwork } from "../network/release.ts";
import { networkRequest, type NetworkRequest } from "../network/request.ts";
import { netnsPin, prepareNetwork, type Prepared } from "../network/sandbox.ts";
import { updateBandwidth } from "../network/shaping.ts";
import { missingPolicyPrograms } from "../network/sock-policy-attach.ts";
import { applySockPolicy } from "../network/sock-policy-attach.ts";
import { policyAnnotations } from "../network/sock-policy.ts";
import type { NetworkState } from "../network/state.ts";
import type { NetworkView } from "../network/view.ts";
import { readCache } from "../network/cache.ts";
import { checkNetworkList } from "../network/cni.ts";
import { runtimeConfOf } from "../network/attachment.ts";
import { sweepNetworks, type Swept } from "../network/sweep.ts";
import { withContainerLock } from "./lock.ts";
import { readRecord, stateDir, writeRecord, type ContainerRecord } from "./record.ts";

export interface ContainerNetwork {
  prepared: Prepared;
  env: NetworkEnv;
  sys: NetworkSys;
}

/** The config with `overrides` over its annotations, and the network's changes to it. */
export const prepareContainerNetwork = (
  config: Config,
  opts: { id: string; stateDir: string; overrides?: Record<string, string>; env?: NetworkEnv; sys?: NetworkSys },
): ContainerNetwork => {
  const env = opts.env ?? DEFAULT_NETWORK_ENV;
  const sys = opts.sys ?? hostNetworkSys();
  const annotated = opts.overrides ? { ...config, annotations: { ...config.annotations, ...opts.overrides } } : config;
  return { prepared: prepareNetwork({ config: annotated, id: opts.id, stateDir: opts.stateDir, env, storage: sys.storage }), env, sys };
};

const unifiedDir = (cgroup: CgroupManager): string | undefined => cgroup.dirs().find((d) => d.hierarchy === "")?.dir;

/** Attaches the container; returns its network state and what undoes it (for create's cleanups). */
export const connectNetwork = (
  n: ContainerNetwork,
  c: { id: string; root: string; stateDir: string; pid: number; cgroup: CgroupManager },
): { state?: NetworkState; release: () => void } => {
  const state = attachNetwork({ prepared: n.prepared, id: c.id, root: c.root, stateDir: c.stateDir, pid: c.pid, env: n.env, cgroupV2Dir: unifiedDir(c.cgroup), sys: n.sys });
  return {
    ...(state ? { state } : {}),
    release: () => {
      const left = releaseNetwork(state, n.sys);
      if (left.length) throw new AggregateError(left, "Releasing the container's network failed");
    },
  };
};

/** Releases the network of a container being deleted; what could not be released goes to `onWarning`. */
export const disconnectNetwork = (rec: ContainerRecord, onWarning: (msg: string) => void, sys: NetworkSys = hostNetworkSys()): void => {
  for (const e of releaseNetwork(rec.network, sys)) onWarning(describeError(e));
};

/**
 * The namespace pin of a container whose record cannot be read (it would keep its state directory busy); its cache
 * entry, if any, is released by the next sweep (resume, the daemon's start), since the container is gone then.
 */
export const unpinDamaged = (dir: string, sys: NetworkSys = hostNetworkSys()): void => sys.unpinNetns(netnsPin(dir));

/** The request in the record's annotations (already valid: create read them). */
export const recordRequest = (rec: ContainerRecord): NetworkRequest | undefined => networkRequest(rec.annotations);

/**
 * `update` of the network: annotations changed (rate limits, socket policy) are applied live; returns the record's
 * new annotations and network state.
 */
export const updateNetwork = (
  rec: ContainerRecord,
  cgroup: CgroupManager,
  change: Record<string, string>,
  sys: NetworkSys = hostNetworkSys(),
): { annotations: Record<string, string>; network?: NetworkState } => {
  const annotations = { ...rec.annotations, ...change };
  const before = networkRequest(rec.annotations);
  const after = networkRequest(annotations);
  if (!after) return { annotations };
  if (after.mode?.kind !== before?.mode?.kind || (after.mode?.kind === "cni" && before?.mode?.kind === "cni" && after.mode.network !== before.mode.network))
    throw new Error("The network mode of a container cannot change while it exists");
  if (after.ports.map((p) => JSON.stringify(p)).join() !== (before?.ports ?? []).map((p) => JSON.stringify(p)).join())
    throw new Error("Published ports cannot change while the container exists");
  const network: NetworkState = { ...rec.network };
  if (JSON.stringify(after.bandwidth) !== JSON.stringify(before?.bandwidth)) updateBandwidth(network, after.bandwidth, sys);
  if (after.policy && JSON.stringify(after.policy) !== JSON.stringify(before?.policy)) {
    const dir = unifiedDir(cgroup);
    if (!dir) throw new Error("The socket policy needs cgroup v2: no unified hierarchy is mounted");
    network.policy = { dir, programs: applySockPolicy(dir, after.policy, sys.bpf) };
  } else if (!after.policy && before?.policy) throw new Error("A container's socket policy can be changed but not removed while it exists");
  return { annotations, network };
};

/**
 * The daemon's check of an adopted container, under its lock: its policy programs still attached (put back where
 * not, and the new program ids recorded, so that the next check compares with what is attached). Returns what to
 * report.
 */
export const readoptPolicy = (root: string, id: string, sys: NetworkSys = hostNetworkSys()): string | undefined =>
  withContainerLock(root, id, () => {
    const rec = readRecord(root, id);
    const policy = rec.network?.policy;
    const request = recordRequest(rec);
    if (!policy || !request?.policy) return undefined;
    const missing = missingPolicyPrograms(policy.dir, policy.programs, sys.bpf);
    if (!missing.length) return undefined;
    const programs = applySockPolicy(policy.dir, request.policy, sys.bpf);
    writeRecord(root, { ...rec, network: { ...rec.network, policy: { dir: policy.dir, programs } } });
    return `Container '${id}': the socket policy's ${missing.join(", ")} program${missing.length > 1 ? "s were" : " was"} no longer attached and was attached again`;
  });

/** CHECK of the container's CNI attachment, from its cache entry (nothing without one). */
export const checkContainerNetwork = (rec: ContainerRecord, sys: NetworkSys = hostNetworkSys()): void => {
  const cache = rec.network?.cache;
  const entry = cache ? readCache(cache, sys.storage) : undefined;
  if (entry?.result) checkNetworkList(sys.runner, entry.config, entry.result, runtimeConfOf(entry, entry.netns));
};

/** DEL of every attachment in the network directory whose container is no longer in `root` (power cut, crash). */
export const sweepContainerNetworks = (root: string, env: NetworkEnv = DEFAULT_NETWORK_ENV, sys: NetworkSys = hostNetworkSys()): Swept =>
  sweepNetworks(env.dir, root, (id) => existsSync(stateDir(root, id)), sys);

/** What `state` shows of the network. */
export const networkView = (rec: ContainerRecord): NetworkView | undefined => {
  const n = rec.network;
  if (!n) return undefined;
  const request = recordRequest(rec);
  return {
    ...(n.mode ? { mode: n.mode } : {}),
    ...(n.network ? { network: n.network } : {}),
    ...(n.addresses ? { addresses: n.addresses } : {}),
    ...(request?.ports.length ? { ports: request.ports } : {}),
    ...(request?.bandwidth ? { bandwidth: request.bandwidth } : {}),
    ...(request?.policy ? { policy: { annotations: policyAnnotations(request.policy), ...(n.policy ? { programs: n.policy.programs } : {}) } } : {}),
  };
};
