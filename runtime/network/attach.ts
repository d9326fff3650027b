// What `create` does for the network once the setup stage has made the container's namespaces and before it
// returns, from the parent: loopback up; for a CNI network the namespace pinned, the cache entry written, ADD of the
// list, the result cached and /etc/hosts and resolv.conf rendered with the container's address and the network's
// DNS; the socket policy's programs attached to the container's cgroup v2 directory. A failure undoes what this step
// did before it is thrown.
import { resolve } from "node:path";
import { describeError } from "../errors.ts";
import { CACHE_KIND, readCache, removeCache, writeCache, type CacheEntry } from "./cache.ts";
import { addNetworkList } from "./cni.ts";
import { capabilityArgs, containerAddresses, runtimeConfOf } from "./attachment.ts";
import type { NetworkEnv } from "./env.ts";
import { etcDir } from "./sandbox.ts";
import { renderHosts, renderResolv, writeEtc } from "./etc-files.ts";
import type { NetworkSys } from "./host-sys.ts";
import { releaseFromCache } from "./release.ts";
import type { Prepared } from "./sandbox.ts";
import { applySockPolicy } from "./sock-policy-attach.ts";
import type { NetworkState } from "./state.ts";

export interface AttachInput {
  prepared: Prepared;
  id: string;
  root: string;
  stateDir: string;
  /** The container's init (its network namespace is /proc/PID/ns/net). */
  pid: number;
  env: NetworkEnv;
  /** The container's directory in the unified hierarchy; undefined where none is mounted. */
  cgroupV2Dir: string | undefined;
  sys: NetworkSys;
}

/** A cache entry left by an earlier container of the same id in this root (a crash before its delete) is released. */
const claimCache = (path: string, root: string, sys: NetworkSys): void => {
  const old = readCache(path, sys.storage);
  if (!old) return;
  if (old.root !== root)
    throw new Error(`Container '${old.containerId}' of root '${old.root}' is attached to network '${old.config.name}' already (cache entry '${path}')`);
  releaseFromCache(path, sys);
};

export const attachNetwork = (a: AttachInput): NetworkState | undefined => {
  const { state, request, list, etc } = a.prepared;
  if (!request || !state) return undefined;
  const { sys } = a;
  const undo: (() => void)[] = [];
  const out: NetworkState = { ...state };
  try {
    const nsPath = `/proc/${a.pid}/ns/net`;
    if (state.mode === "none" || state.mode === "cni") sys.loopbackUp(nsPath);
    if (state.mode === "cni" && list && state.netns && state.cache && state.ifName && etc) {
      const { netns, cache } = state;
      const root = resolve(a.root);
      claimCache(cache, root, sys);
      sys.pinNetns(a.pid, netns);
      undo.push(() => sys.unpinNetns(netns));
      const entry: CacheEntry = {
        kind: CACHE_KIND, root, containerId: a.id, ifName: state.ifName, netns, config: list, path: a.env.cniPath, args: [],
        capabilityArgs: capabilityArgs(request), shaping: [],
      };
      // Written before ADD: a power cut during ADD leaves what a DEL needs.
      writeCache(cache, entry, sys.storage);
      undo.push(() => removeCache(cache, sys.storage));
      const added = addNetworkList(sys.runner, list, runtimeConfOf(entry, netns));
      writeCache(cache, { ...entry, result: added.result, shaping: added.shaping }, sys.storage);
      undo.push(() => void releaseFromCache(cache, sys));
      out.addresses = containerAddresses(added.result);
      writeEtc(etcDir(a.stateDir), {
        hosts: renderHosts({ ...etc, addresses: out.addresses }),
        "resolv.conf": renderResolv({ ...etc, ...(added.result.dns ? { cniDns: added.result.dns } : {}) }),
      });
    }
    if (request.policy) {
      if (!a.cgroupV2Dir) throw new Error("The socket policy (bunker.net.* connect, bind, families, socket-types, mark, priority) needs cgroup v2: no unified hierarchy is mounted");
      out.policy = { dir: a.cgroupV2Dir, programs: applySockPolicy(a.cgroupV2Dir, request.policy, sys.bpf) };
    }
    return out;
  } catch (err) {
    const problems: unknown[] = [];
    for (const u of undo.reverse()) {
      try {
        u();
      } catch (e) {
        problems.push(e);
      }
    }
    const main = new Error("Setting up the container's network failed", { cause: err });
    if (problems.length) throw new AggregateError(problems, `${main.message}: ${describeError(err)}`, { cause: main });
    throw main;
  }
};
