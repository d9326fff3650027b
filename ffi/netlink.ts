// rtnetlink (NETLINK_ROUTE) over a raw socket: the few link and address requests that move a network device between
// namespaces. Messages are laid out by hand (linux/netlink.h, linux/rtnetlink.h, linux/if_link.h, linux/if_addr.h);
// the layouts are the same on x86_64 and aarch64.
import { CLONE, O } from "./constants.ts";
import { check } from "./check.ts";
import { SysError } from "./errno.ts";
import { close, open, read, writeAll } from "./fd.ts";
import { libc } from "./libc.ts";
import { setns } from "./namespace.ts";

const AF_NETLINK = 16;
const SOCK_RAW = 3;
const SOCK_CLOEXEC = 0o2000000;
const NETLINK_ROUTE = 0;

const NLMSG = { ERROR: 2, DONE: 3 } as const;
const NLM_F = { REQUEST: 0x1, ACK: 0x4, EXCL: 0x200, CREATE: 0x400, DUMP: 0x300 } as const;
const RTM = { NEWLINK: 16, GETLINK: 18, NEWADDR: 20, GETADDR: 22, DELQDISC: 37 } as const;
const IFLA = { IFNAME: 3, LINK: 5, NET_NS_FD: 28 } as const;
const IFF_UP = 0x1;
/** IFA_FLAGS carries the 32-bit flags; the header has only the low 8. */
const IFA_FLAGS = 8;
const NLMSG_HDRLEN = 16;

/** An address the administrator configured (not one from autoconfiguration or DHCP), and the global scope. */
export const IFA_F_PERMANENT = 0x80;
export const RT_SCOPE_UNIVERSE = 0;

/** One address of an interface: the ifaddrmsg fields and its attributes (IFA_ADDRESS, IFA_LOCAL, ...) as raw bytes. */
export interface LinkAddress {
  family: number;
  prefixlen: number;
  flags: number;
  scope: number;
  attrs: { type: number; data: Buffer }[];
}

const align4 = (n: number): number => (n + 3) & ~3;

const rtattr = (type: number, data: Buffer): Buffer => {
  const b = Buffer.alloc(align4(4 + data.length));
  b.writeUInt16LE(4 + data.length, 0);
  b.writeUInt16LE(type, 2);
  data.copy(b, 4);
  return b;
};

const ifinfomsg = (index: number, flags = 0, change = 0): Buffer => {
  const b = Buffer.alloc(16);
  b.writeInt32LE(index, 4);
  b.writeUInt32LE(flags, 8);
  b.writeUInt32LE(change, 12);
  return b;
};

const ifaddrmsg = (family: number, prefixlen: number, scope: number, index: number): Buffer => {
  const b = Buffer.alloc(8);
  b.writeUInt8(family, 0);
  b.writeUInt8(prefixlen, 1);
  b.writeUInt8(scope, 3);
  b.writeUInt32LE(index, 4);
  return b;
};

const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n, 0);
  return b;
};

const attrsOf = (data: Buffer, from: number): { type: number; data: Buffer }[] => {
  const out: { type: number; data: Buffer }[] = [];
  for (let off = from; off + 4 <= data.length; ) {
    const len = data.readUInt16LE(off);
    if (len < 4 || off + len > data.length) break;
    out.push({ type: data.readUInt16LE(off + 2), data: data.subarray(off + 4, off + len) });
    off += align4(len);
  }
  return out;
};

let seq = 0;

/** What a request waits for: every message up to NLMSG_DONE, the kernel's acknowledgement, or its one reply. */
type Answer = "dump" | "ack" | "reply";

/** Sends one request and reads its answer; a negative error in NLMSG_ERROR is thrown as SysError(`call`, errno, `what`). */
const request = (fd: number, type: number, answer: Answer, body: Buffer[], call: string, what: string, extraFlags = 0): { type: number; data: Buffer }[] => {
  const flags = extraFlags | (answer === "dump" ? NLM_F.DUMP : answer === "ack" ? NLM_F.ACK : 0);
  const payload = Buffer.concat(body);
  const header = Buffer.alloc(NLMSG_HDRLEN);
  const mine = ++seq;
  header.writeUInt32LE(NLMSG_HDRLEN + payload.length, 0);
  header.writeUInt16LE(type, 4);
  header.writeUInt16LE(NLM_F.REQUEST | flags, 6);
  header.writeUInt32LE(mine, 8);
  writeAll(fd, Buffer.concat([header, payload]), `netlink ${call}`);
  const replies: { type: number; data: Buffer }[] = [];
  for (;;) {
    const chunk = read(fd, 65536);
    if (chunk.length === 0) throw new Error(`netlink ${call}: the socket closed before the answer`);
    for (let off = 0; off + NLMSG_HDRLEN <= chunk.length; ) {
      const len = chunk.readUInt32LE(off);
      if (len < NLMSG_HDRLEN || off + len > chunk.length) break;
      const t = chunk.readUInt16LE(off + 4);
      const s = chunk.readUInt32LE(off + 8);
      const data = chunk.subarray(off + NLMSG_HDRLEN, off + len);
      off += align4(len);
      if (s !== mine) continue;
      if (t === NLMSG.DONE) return replies;
      if (t === NLMSG.ERROR) {
        const err = data.readInt32LE(0);
        if (err !== 0) throw new SysError(call, -err, what);
        return replies;
      }
      replies.push({ type: t, data });
      if (answer === "reply") return replies;
    }
  }
};

/** A NETLINK_ROUTE socket in the caller's network namespace, close-on-exec. */
export const routeSocket = (): number => check("socket", "AF_NETLINK", libc.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));

/**
 * A NETLINK_ROUTE socket in the network namespace `nsPath` names: the calling thread enters it for the socket() call
 * only (allowed in a multi-threaded process) and returns; the socket stays bound to that namespace.
 */
export const routeSocketIn = (nsPath: string): number => {
  const own = open("/proc/thread-self/ns/net", O.RDONLY | O.CLOEXEC);
  try {
    const target = open(nsPath, O.RDONLY | O.CLOEXEC);
    try {
      setns(target, CLONE.NEWNET, `'${nsPath}'`);
    } finally {
      close(target);
    }
    try {
      return routeSocket();
    } finally {
      setns(own, CLONE.NEWNET, "the caller's network namespace");
    }
  } finally {
    close(own);
  }
};

/** The interface index of `name` in the socket's namespace (ENODEV when there is none). */
export const linkIndex = (fd: number, name: string): number => {
  const [reply] = request(fd, RTM.GETLINK, "reply", [ifinfomsg(0), rtattr(IFLA.IFNAME, Buffer.from(`${name}\0`))], "RTM_GETLINK", `'${name}'`);
  if (!reply || reply.type !== RTM.NEWLINK) throw new Error(`netlink RTM_GETLINK '${name}': no link in the answer`);
  return reply.data.readInt32LE(4);
};

export const linkSetUp = (fd: number, index: number, up: boolean): void =>
  void request(fd, RTM.NEWLINK, "ack", [ifinfomsg(index, up ? IFF_UP : 0, IFF_UP)], "RTM_NEWLINK", `index ${index} ${up ? "up" : "down"}`);

/** Moves the link into the network namespace of `nsFd` and names it `name` there, in one request (no name clash). */
export const linkMove = (fd: number, index: number, name: string, nsFd: number): void =>
  void request(
    fd,
    RTM.NEWLINK,
    "ack",
    [ifinfomsg(index), rtattr(IFLA.IFNAME, Buffer.from(`${name}\0`)), rtattr(IFLA.NET_NS_FD, u32(nsFd))],
    "RTM_NEWLINK",
    `index ${index} -> '${name}' in fd ${nsFd}`,
  );

/** The addresses of one interface (all families), flags from IFA_FLAGS where the kernel sends it. */
export const linkAddresses = (fd: number, index: number): LinkAddress[] =>
  request(fd, RTM.GETADDR, "dump", [ifaddrmsg(0, 0, 0, 0)], "RTM_GETADDR", `index ${index}`)
    .filter((m) => m.type === RTM.NEWADDR && m.data.readUInt32LE(4) === index)
    .map((m) => {
      const attrs = attrsOf(m.data, 8);
      const wide = attrs.find((a) => a.type === IFA_FLAGS);
      return {
        family: m.data.readUInt8(0),
        prefixlen: m.data.readUInt8(1),
        flags: wide && wide.data.length >= 4 ? wide.data.readUInt32LE(0) : m.data.readUInt8(2),
        scope: m.data.readUInt8(3),
        attrs: attrs.filter((a) => a.type !== IFA_FLAGS),
      };
    });

export const addLinkAddress = (fd: number, index: number, a: LinkAddress): void =>
  void request(
    fd,
    RTM.NEWADDR,
    "ack",
    [ifaddrmsg(a.family, a.prefixlen, a.scope, index), ...a.attrs.map((x) => rtattr(x.type, x.data))],
    "RTM_NEWADDR",
    `index ${index}`,
    NLM_F.CREATE | NLM_F.EXCL,
  );

/** The index of a veth's peer (IFLA_LINK), in the peer's namespace; undefined for a link without one. */
export const linkPeerIndex = (fd: number, name: string): number | undefined => {
  const [reply] = request(fd, RTM.GETLINK, "reply", [ifinfomsg(0), rtattr(IFLA.IFNAME, Buffer.from(`${name}\0`))], "RTM_GETLINK", `'${name}'`);
  if (!reply || reply.type !== RTM.NEWLINK) throw new Error(`netlink RTM_GETLINK '${name}': no link in the answer`);
  const link = attrsOf(reply.data, 16).find((a) => a.type === IFLA.LINK);
  return link && link.data.length >= 4 ? link.data.readInt32LE(0) : undefined;
};

/** Where a qdisc hangs: TC_H_ROOT (the interface's egress) or TC_H_INGRESS (with its fixed handle ffff:). */
const QDISC_PLACE = { root: { parent: 0xffffffff, handle: 0 }, ingress: { parent: 0xfffffff1, handle: 0xffff0000 } } as const;

/** Removes the interface's root or ingress qdisc, which leaves it with the kernel's default; false when it had none. */
export const deleteQdisc = (fd: number, index: number, place: keyof typeof QDISC_PLACE): boolean => {
  // struct tcmsg { u8 family; u8 pad[3]; i32 ifindex; u32 handle; u32 parent; u32 info; }
  const tcmsg = Buffer.alloc(20);
  tcmsg.writeInt32LE(index, 4);
  tcmsg.writeUInt32LE(QDISC_PLACE[place].handle, 8);
  tcmsg.writeUInt32LE(QDISC_PLACE[place].parent, 12);
  try {
    request(fd, RTM.DELQDISC, "ack", [tcmsg], "RTM_DELQDISC", `index ${index} ${place}`);
    return true;
  } catch (err) {
    // ENOENT: no qdisc of its own; EINVAL: the default one (noqueue), which cannot be deleted.
    if (err instanceof SysError && (err.code === "ENOENT" || err.code === "EINVAL")) return false;
    throw err;
  }
};

/** What runtime/ code calls to move links; tests substitute a recording fake of the same shape. */
export const realLinkOps = { routeSocket, routeSocketIn, linkIndex, linkSetUp, linkMove, linkAddresses, addLinkAddress, open, close };
export type LinkOps = typeof realLinkOps;
