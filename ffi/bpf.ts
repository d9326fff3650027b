// bpf(2) for cgroup programs: load a program of a given type, attach it to a cgroup for one attach type, list and
// detach what is attached. `union bpf_attr` is laid out by hand (little-endian on x86_64 and aarch64 alike).
import { ptr } from "bun:ffi";
import { syscallNumber } from "./arch.ts";
import { check } from "./check.ts";
import { cstr } from "./cstring.ts";
import { SysError } from "./errno.ts";
import { errno, libc } from "./libc.ts";

const CMD = { PROG_LOAD: 5, PROG_ATTACH: 8, PROG_DETACH: 9, PROG_GET_FD_BY_ID: 13, OBJ_GET_INFO_BY_FD: 15, PROG_QUERY: 16 } as const;

/** enum bpf_prog_type: the ones bunker loads. */
export const BPF_PROG_TYPE = { CGROUP_SOCK: 9, CGROUP_DEVICE: 15, CGROUP_SOCK_ADDR: 18 } as const;

/** enum bpf_attach_type: the cgroup hooks bunker uses. */
export const BPF_ATTACH = {
  INET_SOCK_CREATE: 2,
  DEVICE: 6,
  INET4_BIND: 8,
  INET6_BIND: 9,
  INET4_CONNECT: 10,
  INET6_CONNECT: 11,
  UDP4_SENDMSG: 14,
  UDP6_SENDMSG: 15,
} as const;

export const BPF_F_ALLOW_MULTI = 1 << 1;
export const BPF_F_REPLACE = 1 << 2;
/** Bytes per instruction: struct bpf_insn { u8 code; u8 dst:4, src:4; s16 off; s32 imm; }. */
export const BPF_INSN_SIZE = 8;
/** BPF_OBJ_NAME_LEN, with the terminating NUL. */
const NAME_LEN = 16;

// Larger than every field used here; the kernel accepts a longer attr when the tail is zero.
const ATTR_SIZE = 128;
const LOG_SIZE = 64 * 1024;

const bpf = (cmd: number, attr: Buffer): number =>
  Number(libc.syscall(syscallNumber("bpf"), cmd, ptr(attr), attr.length, 0, 0, 0));

export interface ProgramSpec {
  type: number;
  expectedAttachType: number;
  insns: Uint8Array;
  license: string;
  /** Shown by `bpftool prog` and kept in the kernel's program info (at most 15 characters of [A-Za-z0-9_.]). */
  name?: string;
}

/** Loads a program; on rejection the verifier's last log line is part of the error. */
export const progLoad = (p: ProgramSpec): number => {
  const lic = cstr(p.license);
  const load = (log: Buffer | null): number => {
    const attr = Buffer.alloc(ATTR_SIZE);
    attr.writeUInt32LE(p.type, 0);
    attr.writeUInt32LE(p.insns.length / BPF_INSN_SIZE, 4);
    attr.writeBigUInt64LE(BigInt(ptr(p.insns)), 8);
    attr.writeBigUInt64LE(BigInt(ptr(lic)), 16);
    if (log) {
      attr.writeUInt32LE(1, 24);
      attr.writeUInt32LE(log.length, 28);
      attr.writeBigUInt64LE(BigInt(ptr(log)), 32);
    }
    if (p.name) attr.write(p.name.slice(0, NAME_LEN - 1), 48, "latin1");
    attr.writeUInt32LE(p.expectedAttachType, 68);
    return bpf(CMD.PROG_LOAD, attr);
  };
  const fd = load(null);
  if (fd >= 0) return fd;
  const code = errno();
  const log = Buffer.alloc(LOG_SIZE);
  const again = load(log);
  if (again >= 0) return again;
  const text = log.toString("utf8", 0, Math.max(0, log.indexOf(0))).trim().split("\n").pop() ?? "";
  throw new SysError("bpf", code, `BPF_PROG_LOAD of ${p.insns.length / BPF_INSN_SIZE} instructions${text ? ` (verifier: ${text})` : ""}`);
};

/** Attaches `progFd` to the cgroup open at `cgroupFd`; with `replaceFd`, atomically in place of that program. */
export const progAttach = (cgroupFd: number, progFd: number, attachType: number, flags: number, replaceFd = 0): void => {
  const attr = Buffer.alloc(ATTR_SIZE);
  attr.writeUInt32LE(cgroupFd, 0);
  attr.writeUInt32LE(progFd, 4);
  attr.writeUInt32LE(attachType, 8);
  attr.writeUInt32LE(flags, 12);
  attr.writeUInt32LE(replaceFd, 16);
  check("bpf", `BPF_PROG_ATTACH cgroup fd ${cgroupFd} prog fd ${progFd} type ${attachType}`, bpf(CMD.PROG_ATTACH, attr));
};

export const progDetach = (cgroupFd: number, progFd: number, attachType: number): void => {
  const attr = Buffer.alloc(ATTR_SIZE);
  attr.writeUInt32LE(cgroupFd, 0);
  attr.writeUInt32LE(progFd, 4);
  attr.writeUInt32LE(attachType, 8);
  check("bpf", `BPF_PROG_DETACH cgroup fd ${cgroupFd} prog fd ${progFd} type ${attachType}`, bpf(CMD.PROG_DETACH, attr));
};

/** Ids of the programs attached directly to the cgroup for `attachType` (not inherited ones). */
export const progQuery = (cgroupFd: number, attachType: number, max = 64): number[] => {
  const ids = new Uint32Array(max);
  const attr = Buffer.alloc(ATTR_SIZE);
  attr.writeUInt32LE(cgroupFd, 0);
  attr.writeUInt32LE(attachType, 4);
  attr.writeBigUInt64LE(BigInt(ptr(ids)), 16);
  attr.writeUInt32LE(max, 24);
  check("bpf", `BPF_PROG_QUERY cgroup fd ${cgroupFd} type ${attachType}`, bpf(CMD.PROG_QUERY, attr));
  return [...ids.subarray(0, attr.readUInt32LE(24))];
};

export const progGetFdById = (id: number): number => {
  const attr = Buffer.alloc(ATTR_SIZE);
  attr.writeUInt32LE(id, 0);
  return check("bpf", `BPF_PROG_GET_FD_BY_ID ${id}`, bpf(CMD.PROG_GET_FD_BY_ID, attr));
};

/** struct bpf_prog_info, the fields bunker reads: the program's type, id, tag and name. */
export interface ProgInfo {
  type: number;
  id: number;
  /** The kernel's hash of the instructions, as hex (what `bpftool prog` shows as tag). */
  tag: string;
  name: string;
}

export const progInfo = (progFd: number): ProgInfo => {
  const info = Buffer.alloc(256);
  const attr = Buffer.alloc(ATTR_SIZE);
  attr.writeUInt32LE(progFd, 0);
  attr.writeUInt32LE(info.length, 4);
  attr.writeBigUInt64LE(BigInt(ptr(info)), 8);
  check("bpf", `BPF_OBJ_GET_INFO_BY_FD prog fd ${progFd}`, bpf(CMD.OBJ_GET_INFO_BY_FD, attr));
  // struct bpf_prog_info { u32 type; u32 id; u8 tag[8]; ... char name[16] at 64; }
  const name = info.subarray(64, 64 + NAME_LEN);
  return { type: info.readUInt32LE(0), id: info.readUInt32LE(4), tag: info.toString("hex", 8, 16), name: name.toString("latin1", 0, Math.max(0, name.indexOf(0))) };
};
