// A recording NetworkSys for unit tests: plugins that behave like the reference ones (bridge makes a veth and an
// address, chained plugins pass their prevResult on, bandwidth adds its ifb), in-memory storage that can model a
// power cut, and cgroup programs kept in a table. Anything a test did not expect fails loudly.
import type { ProgInfo } from "../../../../ffi/bpf.ts";
import type { CgroupPrograms } from "../../../../runtime/bpf/cgroup-program.ts";
import { FaultStorage } from "../../../../runtime/durable/fault-storage.ts";
import type { PluginCall, PluginOutput } from "../../../../runtime/network/cni-exec.ts";
import type { CniResult } from "../../../../runtime/network/cni-types.ts";
import type { NetworkSys } from "../../../../runtime/network/host-sys.ts";

export interface Recorded {
  type: string;
  command: string;
  netns: string;
  config: Record<string, unknown>;
}

export interface FakeNetwork extends NetworkSys {
  /** One line per kernel-side effect, in order ("pin 42 /s/netns", "ADD bridge", ...). */
  log: string[];
  plugins: Recorded[];
  /** Pinned namespaces. */
  pins: Set<string>;
  /** Attached programs: `${dir} ${attachType}` -> ids. */
  programs: Map<string, number[]>;
  storage: FaultStorage;
}

export const bridgeResult = (netns: string, ip = "10.87.0.2/24"): CniResult => ({
  cniVersion: "1.0.0",
  interfaces: [{ name: "bunker0", mac: "aa:00:00:00:00:01" }, { name: "veth1234", mac: "aa:00:00:00:00:02" }, { name: "eth0", mac: "aa:00:00:00:00:03", sandbox: netns }],
  ips: [{ address: ip, gateway: "10.87.0.1", interface: 2 }],
  routes: [{ dst: "0.0.0.0/0" }],
  dns: {},
});

/** What the reference plugins print: `answer` may replace any call's output (a failure, a bad result). */
const referencePlugin = (call: PluginCall, config: Record<string, unknown>): PluginOutput => {
  if (call.command !== "ADD") return { code: 0, stdout: "", stderr: "" };
  const prev = config.prevResult as CniResult | undefined;
  if (call.type === "bridge") return { code: 0, stdout: JSON.stringify(bridgeResult(call.netns)), stderr: "" };
  if (call.type === "bandwidth") {
    const bw = (config.runtimeConfig as { bandwidth?: { egressRate?: number } } | undefined)?.bandwidth;
    const out = bw?.egressRate ? { ...prev!, interfaces: [...(prev!.interfaces ?? []), { name: "bwp-ifb", mac: "aa:00:00:00:00:09" }] } : prev;
    return { code: 0, stdout: JSON.stringify(out), stderr: "" };
  }
  return { code: 0, stdout: JSON.stringify(prev ?? { cniVersion: "1.0.0" }), stderr: "" };
};

export const fakeNetwork = (
  opts: { storage?: FaultStorage; answer?: (call: PluginCall, config: Record<string, unknown>) => PluginOutput | undefined; netnsAlive?: (path: string) => boolean } = {},
): FakeNetwork => {
  const log: string[] = [];
  const plugins: Recorded[] = [];
  const pins = new Set<string>();
  const programs = new Map<string, number[]>();
  let nextId = 100;
  const bpf: CgroupPrograms = {
    replace(dir, p) {
      const id = nextId++;
      programs.set(`${dir} ${p.expectedAttachType}`, [id]);
      log.push(`attach ${p.name} ${dir}`);
      return id;
    },
    detach(dir, type) {
      programs.delete(`${dir} ${type}`);
      log.push(`detach ${type} ${dir}`);
    },
    attached: (dir, type): ProgInfo[] => (programs.get(`${dir} ${type}`) ?? []).map((id) => ({ type: 0, id, tag: "", name: "" })),
  };
  return {
    log,
    plugins,
    pins,
    programs,
    storage: opts.storage ?? new FaultStorage(),
    pinNetns(pid, path) {
      if (pins.has(path)) throw new Error(`pin of '${path}' twice`);
      pins.add(path);
      log.push(`pin ${pid} ${path}`);
    },
    unpinNetns(path) {
      pins.delete(path);
      log.push(`unpin ${path}`);
    },
    isNetns: (path) => (opts.netnsAlive ? opts.netnsAlive(path) : pins.has(path)),
    loopbackUp: (ns) => void log.push(`lo up ${ns}`),
    clearPeerQdisc: (ns, ifName) => (log.push(`clear qdisc of the peer of ${ifName} in ${ns}`), true),
    bpf,
    runner: {
      run(call) {
        const config = JSON.parse(call.stdin) as Record<string, unknown>;
        plugins.push({ type: call.type, command: call.command, netns: call.netns, config });
        log.push(`${call.command} ${call.type}`);
        return opts.answer?.(call, config) ?? referencePlugin(call, config);
      },
    },
  };
};
