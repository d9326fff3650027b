// What a container asks of the network, read from its annotations (which `run`/`create` flags and the service
// manager's target state become): the mode, published ports, rate limits, DNS and hosts entries, the socket policy.
// No bunker.network* key at all: nothing is asked, and bunker leaves the config's namespaces as they are (what engines,
// which bring their own networking, rely on).
//
//   bunker.network             none | host | bridge | <name of a CNI config list>
//   bunker.net.ports           "8080:80/tcp,127.0.0.1:5353:53/udp"         ([HOST-IP:]HOST-PORT:CONTAINER-PORT[/PROTO])
//   bunker.net.egress-rate     "10mbit" (bits per second, out of the container)   bunker.net.egress-burst   "64k" (bytes)
//   bunker.net.ingress-rate    "10mbit" (into the container)                      bunker.net.ingress-burst  "64k"
//   bunker.net.dns             "10.0.0.1,10.0.0.2"   bunker.net.dns-search "lan"   bunker.net.dns-options "ndots:2"
//   bunker.net.hosts           "db=10.87.0.5,cache=10.87.0.6"
//   and the socket policy's keys (sock-policy.ts)
import { parseRate, parseSize } from "../units.ts";
import { parseIpv6, policyFromAnnotations, POLICY_ANNOTATIONS, type Protocol, type SockPolicy } from "./sock-policy.ts";

export const NETWORK_ANNOTATIONS = {
  mode: "bunker.network",
  ports: "bunker.net.ports",
  egressRate: "bunker.net.egress-rate",
  egressBurst: "bunker.net.egress-burst",
  ingressRate: "bunker.net.ingress-rate",
  ingressBurst: "bunker.net.ingress-burst",
  dns: "bunker.net.dns",
  dnsSearch: "bunker.net.dns-search",
  dnsOptions: "bunker.net.dns-options",
  hosts: "bunker.net.hosts",
} as const;

/** "bridge" is the config list bunker writes; any other name is looked up in the CNI config directory. */
export type NetworkMode = { kind: "none" } | { kind: "host" } | { kind: "cni"; network: string };

/** A CNI portMappings entry. */
export interface PortMapping {
  hostPort: number;
  containerPort: number;
  protocol: Protocol;
  hostIP?: string;
}

/** The bandwidth plugin's runtimeConfig: rates in bits per second, bursts in bits. */
export interface Bandwidth {
  ingressRate?: number;
  ingressBurst?: number;
  egressRate?: number;
  egressBurst?: number;
}

export interface HostEntry {
  name: string;
  address: string;
}

export interface NetworkRequest {
  /** Undefined: the config's namespaces as they are (a policy alone asks for no mode). */
  mode?: NetworkMode;
  ports: PortMapping[];
  bandwidth?: Bandwidth;
  dns: { nameservers?: string[]; search?: string[]; options?: string[] };
  hosts: HostEntry[];
  policy?: SockPolicy;
}

const K = NETWORK_ANNOTATIONS;

const fail = (key: string, text: string, why: string): never => {
  throw new Error(`Annotation '${key}': ${JSON.stringify(text)} ${why}`);
};

const items = (text: string): string[] => text.split(",").map((s) => s.trim()).filter(Boolean);

const isIpv4 = (s: string): boolean => /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(s) && s.split(".").every((p) => Number(p) <= 255);
export const isIp = (s: string): boolean => isIpv4(s) || (s.includes(":") && parseIpv6(s) !== undefined);

const port = (key: string, whole: string, text: string): number => {
  if (!/^\d{1,5}$/.test(text) || Number(text) < 1 || Number(text) > 65535) fail(key, whole, `has '${text}', which is not a port (1-65535)`);
  return Number(text);
};

export const parsePortMapping = (key: string, text: string): PortMapping => {
  const [spec = "", protocol = "tcp", extra] = text.split("/");
  if (extra !== undefined || (protocol !== "tcp" && protocol !== "udp")) fail(key, text, "has a protocol other than /tcp or /udp");
  const m = /^(?:(.+):)?([^:]+):([^:]+)$/.exec(spec);
  if (!m) return fail(key, text, "is not [HOST-IP:]HOST-PORT:CONTAINER-PORT[/tcp|/udp]");
  const hostIP = m[1]?.replace(/^\[(.*)\]$/, "$1");
  if (hostIP !== undefined && !isIp(hostIP)) fail(key, text, "has a host address that is no IP address");
  return { hostPort: port(key, text, m[2]!), containerPort: port(key, text, m[3]!), protocol: protocol as Protocol, ...(hostIP ? { hostIP } : {}) };
};

// The burst when only a rate is given: 20 ms at that rate, and never below 64 KiB (one TSO segment), which tbf needs
// to keep a TCP stream at the rate instead of below it.
const defaultBurstBits = (rate: number): number => Math.max(64 * 1024 * 8, Math.ceil(rate * 0.02));

const bandwidthOf = (a: Readonly<Record<string, string>>): Bandwidth | undefined => {
  const out: Bandwidth = {};
  for (const dir of ["ingress", "egress"] as const) {
    const rateKey = dir === "ingress" ? K.ingressRate : K.egressRate;
    const burstKey = dir === "ingress" ? K.ingressBurst : K.egressBurst;
    const rateText = a[rateKey];
    const burstText = a[burstKey];
    if (rateText === undefined) {
      if (burstText !== undefined) fail(burstKey, burstText, `is given without '${rateKey}'`);
      continue;
    }
    let rate: number;
    try {
      rate = parseRate(rateText);
    } catch (err) {
      throw new Error(`Annotation '${rateKey}': ${(err as Error).message}`);
    }
    if (rate < 8) fail(rateKey, rateText, "is below 8 bits per second");
    let burst: number;
    try {
      burst = burstText === undefined ? defaultBurstBits(rate) : parseSize(burstText) * 8;
    } catch (err) {
      throw new Error(`Annotation '${burstKey}': ${(err as Error).message}`);
    }
    // The plugin keeps burst/8 in 32 bits.
    if (burst < 8 || burst / 8 >= 2 ** 32) fail(burstKey, burstText ?? "", "is not between 1 byte and 4 GiB");
    if (dir === "ingress") Object.assign(out, { ingressRate: rate, ingressBurst: burst });
    else Object.assign(out, { egressRate: rate, egressBurst: burst });
  }
  return Object.keys(out).length ? out : undefined;
};

/** A name or option going into resolv.conf or /etc/hosts: one word, no way to start another line. */
const word = (key: string, text: string): string => {
  if (!/^[A-Za-z0-9_.:-]{1,253}$/.test(text)) fail(key, text, "is not a host name, domain or option (letters, digits, '.', '-', '_', ':')");
  return text;
};

const addresses = (key: string, text: string): string[] =>
  items(text).map((s) => (isIp(s) ? s : fail(key, s, "is not an IP address")));

const hostsOf = (text: string): HostEntry[] =>
  items(text).map((entry) => {
    const [name = "", address = "", extra] = entry.split("=");
    if (extra !== undefined || !isIp(address)) fail(K.hosts, entry, "is not NAME=IP-ADDRESS");
    return { name: word(K.hosts, name), address };
  });

const modeOf = (text: string): NetworkMode => {
  const t = text.trim();
  if (t === "none" || t === "host") return { kind: t };
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,254}$/.test(t)) fail(K.mode, text, "is not none, host, bridge or the name of a CNI network");
  return { kind: "cni", network: t };
};

export const hasNetworkAnnotations = (a: Readonly<Record<string, string>>): boolean =>
  [...Object.values(K), ...Object.values(POLICY_ANNOTATIONS)].some((k) => a[k] !== undefined);

/** The request in the annotations, or undefined when they ask for nothing. */
export const networkRequest = (a: Readonly<Record<string, string>>): NetworkRequest | undefined => {
  if (!hasNetworkAnnotations(a)) return undefined;
  const { [K.mode]: modeText, [K.ports]: portsText, [K.dns]: dnsText, [K.dnsSearch]: search, [K.dnsOptions]: options, [K.hosts]: hosts } = a;
  const mode = modeText === undefined ? undefined : modeOf(modeText);
  const ports = portsText === undefined ? [] : items(portsText).map((p) => parsePortMapping(K.ports, p));
  const bandwidth = bandwidthOf(a);
  if (mode?.kind !== "cni") {
    const asked = [ports.length ? K.ports : "", bandwidth ? "rate limits" : ""].filter(Boolean);
    if (asked.length) throw new Error(`${asked.join(" and ")} need a CNI network: set '${K.mode}' to bridge or a network's name`);
  }
  const dns = {
    ...(dnsText !== undefined ? { nameservers: addresses(K.dns, dnsText) } : {}),
    ...(search !== undefined ? { search: items(search).map((s) => word(K.dnsSearch, s)) } : {}),
    ...(options !== undefined ? { options: items(options).map((s) => word(K.dnsOptions, s)) } : {}),
  };
  const policy = policyFromAnnotations(a);
  return {
    ...(mode ? { mode } : {}),
    ports,
    ...(bandwidth ? { bandwidth } : {}),
    dns,
    hosts: hosts === undefined ? [] : hostsOf(hosts),
    ...(policy ? { policy } : {}),
  };
};
