// A container's socket policy: which destinations it may connect (and send datagrams) to, which ports it may bind,
// which socket families and types it may create, and the mark and priority its sockets carry (cgroup v2's stand-in
// for net_cls and net_prio). Read from annotations, printed back in the same syntax; each part left out is no
// restriction. sock-policy-program.ts turns it into cgroup eBPF programs.
//
//   bunker.net.connect       "127.0.0.1:8080,10.0.0.0/8:1-1024/tcp,[::1]:53/udp,[fd00::]/8"  ("none": nothing)
//   bunker.net.bind          "8080,9000-9100/udp"                                            ("none": nothing)
//   bunker.net.families      "inet,inet6,packet"
//   bunker.net.socket-types  "stream,dgram,raw,seqpacket"
//   bunker.net.mark          a 32-bit integer (SO_MARK of every socket)
//   bunker.net.priority      a 32-bit integer (SO_PRIORITY of every socket)

export type Protocol = "tcp" | "udp";
export const PROTOCOL_NUMBER: Record<Protocol, number> = { tcp: 6, udp: 17 };

export interface PortRange {
  lo: number;
  hi: number;
  protocol?: Protocol;
}

export interface ConnectRule extends PortRange {
  family: 4 | 6;
  /** 4 or 16 bytes, network order, host bits cleared. */
  addr: number[];
  prefix: number;
}

export const FAMILIES = { inet: 2, inet6: 10, packet: 17 } as const;
export const SOCKET_TYPES = { stream: 1, dgram: 2, raw: 3, seqpacket: 5 } as const;
export type Family = keyof typeof FAMILIES;
export type SocketType = keyof typeof SOCKET_TYPES;

export interface SockPolicy {
  connect?: ConnectRule[];
  bind?: PortRange[];
  families?: Family[];
  types?: SocketType[];
  mark?: number;
  priority?: number;
}

export const POLICY_ANNOTATIONS = {
  connect: "bunker.net.connect",
  bind: "bunker.net.bind",
  families: "bunker.net.families",
  types: "bunker.net.socket-types",
  mark: "bunker.net.mark",
  priority: "bunker.net.priority",
} as const;

const fail = (key: string, text: string, why: string): never => {
  throw new Error(`Annotation '${key}': ${JSON.stringify(text)} ${why}`);
};

const list = (text: string): string[] => text.split(",").map((s) => s.trim()).filter(Boolean);

const parsePort = (key: string, text: string): number => {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) fail(key, text, "is not a port (0-65535)");
  return Number(text);
};

/** "80", "1000-2000", "*" or "" (every port), each with an optional "/tcp" or "/udp". */
const parsePorts = (key: string, text: string): PortRange => {
  const [ports = "", protocol, extra] = text.split("/");
  if (extra !== undefined || (protocol !== undefined && protocol !== "tcp" && protocol !== "udp")) fail(key, text, "has a protocol other than /tcp or /udp");
  const range = ports === "" || ports === "*" ? { lo: 0, hi: 65535 } : (() => {
    const [lo = "", hi = lo] = ports.split("-");
    return { lo: parsePort(key, lo), hi: parsePort(key, hi) };
  })();
  if (range.lo > range.hi) fail(key, text, "is a port range that ends before it starts");
  return { ...range, ...(protocol ? { protocol: protocol as Protocol } : {}) };
};

const parseIpv4 = (text: string): number[] | undefined => {
  const parts = text.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
  return parts.map(Number);
};

/** RFC 4291 text forms, "::" included; a trailing dotted IPv4 part too. */
export const parseIpv6 = (text: string): number[] | undefined => {
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const groups = (s: string): number[] | undefined => {
    if (s === "") return [];
    const out: number[] = [];
    const parts = s.split(":");
    for (const [i, p] of parts.entries()) {
      if (i === parts.length - 1 && p.includes(".")) {
        const v4 = parseIpv4(p);
        if (!v4) return undefined;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(p)) out.push(parseInt(p, 16));
      else return undefined;
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !tail) return undefined;
  const fill = 8 - head.length - tail.length;
  if (halves.length === 2 ? fill < 1 : fill !== 0) return undefined;
  return [...head, ...new Array<number>(fill).fill(0), ...tail].flatMap((g) => [g >> 8, g & 0xff]);
};

const clearHostBits = (addr: number[], prefix: number): number[] =>
  addr.map((b, i) => {
    const bits = Math.max(0, Math.min(8, prefix - i * 8));
    return b & ((0xff << (8 - bits)) & 0xff);
  });

/** "ADDR[/PREFIX][:PORTS]" for IPv4, "[ADDR][/PREFIX][:PORTS]" for IPv6. */
const parseConnectRule = (key: string, text: string): ConnectRule => {
  const m = /^\[([^\]]+)\](?:\/(\d{1,3}))?(?::(.*))?$/.exec(text) ?? /^([\d.]+)(?:\/(\d{1,2}))?(?::(.*))?$/.exec(text);
  if (!m) return fail(key, text, "is not ADDRESS[/PREFIX][:PORTS][/tcp|/udp] (IPv6 addresses in brackets)");
  const v6 = text.startsWith("[");
  const addr = v6 ? parseIpv6(m[1]!) : parseIpv4(m[1]!);
  if (!addr) return fail(key, text, `does not start with an IPv${v6 ? 6 : 4} address`);
  const max = addr.length * 8;
  const prefix = m[2] === undefined ? max : Number(m[2]);
  if (prefix > max) fail(key, text, `has a prefix longer than ${max} bits`);
  return { family: v6 ? 6 : 4, addr: clearHostBits(addr, prefix), prefix, ...parsePorts(key, m[3] ?? "") };
};

const parseU32 = (key: string, text: string): number => {
  if (!/^\d{1,10}$/.test(text) || Number(text) > 0xffffffff) fail(key, text, "is not an integer of 32 bits");
  return Number(text);
};

const parseNames = <T extends string>(key: string, text: string, names: Record<T, number>): T[] => {
  const out = list(text);
  for (const n of out) if (!(n in names)) fail(key, n, `is not one of ${Object.keys(names).join(", ")}`);
  return [...new Set(out)] as T[];
};

const rules = <T>(key: string, text: string, one: (key: string, t: string) => T): T[] => (text.trim() === "none" ? [] : list(text).map((t) => one(key, t)));

export const policyFromAnnotations = (a: Readonly<Record<string, string>>): SockPolicy | undefined => {
  const K = POLICY_ANNOTATIONS;
  const p: SockPolicy = {};
  const { [K.connect]: connect, [K.bind]: bind, [K.families]: families, [K.types]: types, [K.mark]: mark, [K.priority]: priority } = a;
  if (connect !== undefined) p.connect = rules(K.connect, connect, parseConnectRule);
  if (bind !== undefined) p.bind = rules(K.bind, bind, parsePorts);
  if (families !== undefined) p.families = parseNames(K.families, families, FAMILIES);
  if (types !== undefined) p.types = parseNames(K.types, types, SOCKET_TYPES);
  if (mark !== undefined) p.mark = parseU32(K.mark, mark.trim());
  if (priority !== undefined) p.priority = parseU32(K.priority, priority.trim());
  return Object.keys(p).length ? p : undefined;
};

const formatAddr = (r: ConnectRule): string => {
  if (r.family === 4) return `${r.addr.join(".")}${r.prefix === 32 ? "" : `/${r.prefix}`}`;
  const groups = Array.from({ length: 8 }, (_, i) => ((r.addr[2 * i]! << 8) | r.addr[2 * i + 1]!).toString(16));
  return `[${groups.join(":")}]${r.prefix === 128 ? "" : `/${r.prefix}`}`;
};

export const formatPorts = (r: PortRange): string => {
  const ports = r.lo === 0 && r.hi === 65535 ? "*" : r.lo === r.hi ? `${r.lo}` : `${r.lo}-${r.hi}`;
  return `${ports}${r.protocol ? `/${r.protocol}` : ""}`;
};

/** The policy in annotation syntax, one key per part given (what `state` shows). */
export const policyAnnotations = (p: SockPolicy): Record<string, string> => {
  const K = POLICY_ANNOTATIONS;
  const out: Record<string, string> = {};
  if (p.connect) out[K.connect] = p.connect.length ? p.connect.map((r) => `${formatAddr(r)}:${formatPorts(r)}`).join(",") : "none";
  if (p.bind) out[K.bind] = p.bind.length ? p.bind.map(formatPorts).join(",") : "none";
  if (p.families) out[K.families] = p.families.join(",");
  if (p.types) out[K.types] = p.types.join(",");
  if (p.mark !== undefined) out[K.mark] = String(p.mark);
  if (p.priority !== undefined) out[K.priority] = String(p.priority);
  return out;
};
