// The socket policy as cgroup eBPF programs, one per hook:
// - connect4/connect6 (BPF_CGROUP_INET{4,6}_CONNECT), also loaded for udp4/udp6 sendmsg so that a datagram sent
//   without connect() meets the same rules: allow when some rule's prefix, port range and protocol match;
// - bind4/bind6: allow when some rule's port range and protocol match;
// - sock-create (BPF_CGROUP_INET_SOCK_CREATE): allow the listed families and types; set the socket's mark and
//   priority. The kernel runs it for AF_INET and AF_INET6 sockets only; packet sockets are kept out by taking
//   CAP_NET_RAW away (see sandbox.ts).
// A verdict of 0 makes the system call fail with EPERM. An IPv6 socket connecting to an IPv4-mapped address
// (::ffff:a.b.c.d) meets the IPv4 rules, so that the mapped form is no way around them.
import { BPF_ATTACH, BPF_PROG_TYPE } from "../../ffi/bpf.ts";
import { Assembler, I, OP, verdict, type Insn } from "../bpf/asm.ts";
import { FAMILIES, PROTOCOL_NUMBER, SOCKET_TYPES, type ConnectRule, type PortRange, type SockPolicy } from "./sock-policy.ts";

export const POLICY_LICENSE = "Apache-2.0";

// struct bpf_sock_addr and struct bpf_sock offsets (include/uapi/linux/bpf.h).
const SOCK_ADDR = { userIp4: 4, userIp6: 8, userPort: 24, protocol: 36 } as const;
const SOCK = { family: 4, type: 8, mark: 16, priority: 20 } as const;

/** A 4-byte group of network-order bytes as the 32-bit load from the context sees it (little-endian). */
export const wordOf = (bytes: readonly number[], at = 0): number =>
  ((bytes[at] ?? 0) | ((bytes[at + 1] ?? 0) << 8) | ((bytes[at + 2] ?? 0) << 16) | ((bytes[at + 3] ?? 0) << 24)) >>> 0;

const maskBytes = (prefix: number, length: number): number[] =>
  Array.from({ length }, (_, i) => (0xff << (8 - Math.max(0, Math.min(8, prefix - i * 8)))) & 0xff);

/** Jumps to `next` unless register `reg` (a port in host order) is in the range and `proto` matches. */
const portChecks = (a: Assembler, r: PortRange, port: number, proto: number, next: string): void => {
  if (r.lo > 0) a.jump(OP.JLT32_K, port, r.lo, next);
  if (r.hi < 65535) a.jump(OP.JGT32_K, port, r.hi, next);
  if (r.protocol) a.jump(OP.JNE32_K, proto, PROTOCOL_NUMBER[r.protocol], next);
};

/** Jumps to `next` unless the address in `regs` (one register per 32-bit word) is inside the rule's prefix. */
const prefixChecks = (a: Assembler, r: ConnectRule, regs: readonly number[], tmp: number, next: string): void => {
  const mask = maskBytes(r.prefix, r.addr.length);
  regs.forEach((reg, i) => {
    const m = wordOf(mask, 4 * i);
    if (m === 0) return;
    const net = wordOf(r.addr, 4 * i);
    if (m === 0xffffffff) {
      a.jump(OP.JNE32_K, reg, net, next);
    } else {
      a.emit(I(OP.MOV32_X, tmp, reg, 0, 0), I(OP.AND32_K, tmp, 0, 0, m)).jump(OP.JNE32_K, tmp, net, next);
    }
  });
};

const connectRules = (a: Assembler, rules: readonly ConnectRule[], addr: readonly number[], port: number, proto: number, tmp: number): void => {
  for (const r of rules) {
    const next = a.fresh("next");
    prefixChecks(a, r, addr, tmp, next);
    portChecks(a, r, port, proto, next);
    a.emit(...verdict(true)).label(next);
  }
  a.emit(...verdict(false));
};

/** Loads the destination port (network order in the low 16 bits) into `reg`, in host order. */
const loadPort = (a: Assembler, reg: number): void => void a.emit(I(OP.LDX_MEM_W, reg, 1, SOCK_ADDR.userPort, 0), I(OP.BE16, reg, 0, 0, 16));

export const connect4Insns = (rules: readonly ConnectRule[]): Insn[] => {
  const a = new Assembler().emit(I(OP.LDX_MEM_W, 2, 1, SOCK_ADDR.userIp4, 0), I(OP.LDX_MEM_W, 4, 1, SOCK_ADDR.protocol, 0));
  loadPort(a, 3);
  connectRules(a, rules.filter((r) => r.family === 4), [2], 3, 4, 5);
  return a.finish();
};

export const connect6Insns = (rules: readonly ConnectRule[]): Insn[] => {
  const a = new Assembler();
  for (let i = 0; i < 4; i++) a.emit(I(OP.LDX_MEM_W, 2 + i, 1, SOCK_ADDR.userIp6 + 4 * i, 0));
  loadPort(a, 6);
  a.emit(I(OP.LDX_MEM_W, 7, 1, SOCK_ADDR.protocol, 0));
  const native = a.fresh("v6");
  // ::ffff:a.b.c.d, the IPv4 address in the last word.
  a.jump(OP.JNE32_K, 2, 0, native).jump(OP.JNE32_K, 3, 0, native).jump(OP.JNE32_K, 4, wordOf([0, 0, 0xff, 0xff]), native);
  connectRules(a, rules.filter((r) => r.family === 4), [5], 6, 7, 8);
  a.label(native);
  connectRules(a, rules.filter((r) => r.family === 6), [2, 3, 4, 5], 6, 7, 8);
  return a.finish();
};

export const bindInsns = (rules: readonly PortRange[]): Insn[] => {
  const a = new Assembler().emit(I(OP.LDX_MEM_W, 4, 1, SOCK_ADDR.protocol, 0));
  loadPort(a, 3);
  for (const r of rules) {
    const next = a.fresh("next");
    portChecks(a, r, 3, 4, next);
    a.emit(...verdict(true)).label(next);
  }
  return a.emit(...verdict(false)).finish();
};

/** Allows a value of register `reg` that is one of `values`, else denies. */
const oneOf = (a: Assembler, reg: number, values: readonly number[]): void => {
  const ok = a.fresh("ok");
  for (const v of values) a.jump(OP.JEQ32_K, reg, v, ok);
  a.emit(...verdict(false)).label(ok);
};

export const sockCreateInsns = (p: SockPolicy): Insn[] => {
  const a = new Assembler().emit(I(OP.LDX_MEM_W, 2, 1, SOCK.family, 0), I(OP.LDX_MEM_W, 3, 1, SOCK.type, 0));
  if (p.families) oneOf(a, 2, p.families.filter((f) => f !== "packet").map((f) => FAMILIES[f]));
  if (p.types) oneOf(a, 3, p.types.map((t) => SOCKET_TYPES[t]));
  // The context's mark and priority fields are writable here; a store of a register (not of an immediate) to it.
  if (p.mark !== undefined) a.emit(I(OP.MOV32_K, 4, 0, 0, p.mark), I(OP.STX_MEM_W, 1, 4, SOCK.mark, 0));
  if (p.priority !== undefined) a.emit(I(OP.MOV32_K, 4, 0, 0, p.priority), I(OP.STX_MEM_W, 1, 4, SOCK.priority, 0));
  return a.emit(...verdict(true)).finish();
};

export interface PolicyHook {
  name: "connect4" | "connect6" | "sendmsg4" | "sendmsg6" | "bind4" | "bind6" | "sock-create";
  progType: number;
  attachType: number;
  /** The program for this policy, or undefined when the policy leaves this hook alone. */
  insns(p: SockPolicy): Insn[] | undefined;
}

const ADDR = BPF_PROG_TYPE.CGROUP_SOCK_ADDR;
export const POLICY_HOOKS: readonly PolicyHook[] = [
  { name: "connect4", progType: ADDR, attachType: BPF_ATTACH.INET4_CONNECT, insns: (p) => p.connect && connect4Insns(p.connect) },
  { name: "connect6", progType: ADDR, attachType: BPF_ATTACH.INET6_CONNECT, insns: (p) => p.connect && connect6Insns(p.connect) },
  { name: "sendmsg4", progType: ADDR, attachType: BPF_ATTACH.UDP4_SENDMSG, insns: (p) => p.connect && connect4Insns(p.connect) },
  { name: "sendmsg6", progType: ADDR, attachType: BPF_ATTACH.UDP6_SENDMSG, insns: (p) => p.connect && connect6Insns(p.connect) },
  { name: "bind4", progType: ADDR, attachType: BPF_ATTACH.INET4_BIND, insns: (p) => p.bind && bindInsns(p.bind) },
  { name: "bind6", progType: ADDR, attachType: BPF_ATTACH.INET6_BIND, insns: (p) => p.bind && bindInsns(p.bind) },
  {
    name: "sock-create",
    progType: BPF_PROG_TYPE.CGROUP_SOCK,
    attachType: BPF_ATTACH.INET_SOCK_CREATE,
    insns: (p) => (p.families || p.types || p.mark !== undefined || p.priority !== undefined ? sockCreateInsns(p) : undefined),
  },
];
