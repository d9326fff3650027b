// /etc/hostname, /etc/hosts and /etc/resolv.conf for a container with a network mode, as engines provide them:
// rendered by bunker into the container's state directory and bind-mounted over the rootfs's. The host's
// resolv.conf is the base (its loopback name servers dropped where the container has a network of its own: they are
// not reachable from there), the CNI result's DNS and then the container's own settings override it. /etc/hosts is
// rewritten in place once CNI has given the container its address (the bind mount pins the inode).
import { closeSync, constants, mkdirSync, openSync, readFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { Mount } from "../spec/config.ts";
import type { Dns } from "./cni-types.ts";
import type { HostEntry, NetworkRequest } from "./request.ts";

export const ETC_FILES = ["hostname", "hosts", "resolv.conf"] as const;

export interface EtcInput {
  hostname: string;
  /** The host's resolv.conf and hosts (read by the caller: tests hand in their own). */
  hostResolv: string;
  hostHosts: string;
  /** host: the container shares the host's network (its hosts file and name servers apply as they are). */
  shared: boolean;
  request: Pick<NetworkRequest, "dns" | "hosts">;
  /** The container's addresses once CNI has given them (CIDR or plain). */
  addresses?: string[];
  cniDns?: Dns;
}

const isLoopback = (ip: string): boolean => ip.startsWith("127.") || ip === "::1";

interface Resolv {
  nameservers: string[];
  search: string[];
  options: string[];
}

const parseResolv = (text: string): Resolv => {
  const r: Resolv = { nameservers: [], search: [], options: [] };
  for (const line of text.split("\n")) {
    const [key, ...values] = line.trim().split(/\s+/);
    if (key === "nameserver" && values[0]) r.nameservers.push(values[0]);
    else if (key === "search" || key === "domain") r.search = values;
    else if (key === "options") r.options.push(...values);
  }
  return r;
};

export const renderResolv = (i: EtcInput): string => {
  const host = parseResolv(i.hostResolv);
  const pick = <T>(...candidates: (T[] | undefined)[]): T[] => candidates.find((c) => c && c.length) ?? [];
  const nameservers = pick(i.request.dns.nameservers, i.cniDns?.nameservers, i.shared ? host.nameservers : host.nameservers.filter((n) => !isLoopback(n)));
  const search = pick(i.request.dns.search, i.cniDns?.search, i.cniDns?.domain ? [i.cniDns.domain] : undefined, host.search);
  const options = pick(i.request.dns.options, i.cniDns?.options, host.options);
  return [
    "# Written by bunker",
    ...nameservers.map((n) => `nameserver ${n}`),
    ...(search.length ? [`search ${search.join(" ")}`] : []),
    ...(options.length ? [`options ${options.join(" ")}`] : []),
    "",
  ].join("\n");
};

export const renderHosts = (i: EtcInput): string => {
  const extra = (entries: readonly HostEntry[]): string[] => entries.map((h) => `${h.address}\t${h.name}`);
  if (i.shared) return [i.hostHosts.trimEnd(), ...extra(i.request.hosts), ""].join("\n");
  const own = (i.addresses ?? []).map((a) => `${a.split("/")[0]}\t${i.hostname}`);
  return [
    "127.0.0.1\tlocalhost",
    "::1\tlocalhost ip6-localhost ip6-loopback",
    ...own,
    ...extra(i.request.hosts),
    "",
  ].join("\n");
};

export const renderEtc = (i: EtcInput): Record<(typeof ETC_FILES)[number], string> => ({
  hostname: `${i.hostname}\n`,
  hosts: renderHosts(i),
  "resolv.conf": renderResolv(i),
});

/** Writes each file in place (a bind mount of it follows the inode). */
export const writeEtc = (dir: string, files: Partial<Record<(typeof ETC_FILES)[number], string>>): void => {
  mkdirSync(dir, { recursive: true, mode: 0o711 });
  for (const [name, text] of Object.entries(files)) {
    const fd = openSync(join(dir, name), constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o644);
    try {
      writeSync(fd, text);
    } finally {
      closeSync(fd);
    }
  }
};

/** The bind mounts of the files over the container's /etc. */
export const etcMounts = (dir: string): Mount[] =>
  ETC_FILES.map((name) => ({ destination: `/etc/${name}`, type: "bind", source: join(dir, name), options: ["rbind", "rprivate", "nosuid", "nodev", "noexec"] }));

export const readHostFile = (path: string): string => {
  try {
    return readFileSync(path, "utf8").slice(0, 64 * 1024);
  } catch {
    return "";
  }
};
