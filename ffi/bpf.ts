// bpf(2) for cgroup v2 device filters: load a BPF_PROG_TYPE_CGROUP_DEVICE program, attach it to a cgroup, list and
// detach what is attached. `union bpf_attr` is laid out by hand (little-endian on x86_64 and aarch64 alike).
import { ptr } from "bun:ffi";
import { syscallNumber } from "./arch.ts";
import { check } from "./check.ts";
import { cstr } from "./cstring.ts";
import { SysError } from "./errno.ts";
import { errno, libc } from "./libc.ts";

const CMD = { PROG_LOAD: 5, PROG_ATTACH: 8, PROG_DETACH: 9, PROG_GET_FD_BY_ID: 13, PROG_QUERY: 16 } as const;
export const BPF_PROG_TYPE_CGROUP_DEVICE = 15;
export const BPF_CGROUP_DEVICE = 6;
export const BPF_F_ALLOW_MULTI = 1 << 1;
export const BPF_F_REPLACE = 1 << 2;
/** Bytes per instruction: struct bpf_insn { u8 code; u8 dst:4, src:4; s16 off; s32 imm; }. */
export const BPF_INSN_SIZE = 8;

// Larger than every field used here; the kernel accepts a longer attr when the tail is zero.
const ATTR_SIZE = 128;
const LOG_SIZE = 64 * 1024;

const bpf = (cmd: number, attr: Buffer): number =>
  Number(libc.syscall(syscallNumber("bpf"), cmd, ptr(attr), attr.length, 0, 0, 0));

/** Loads a cgroup device program; on rejection the verifier's last log line is part of the error. */
export const progLoadCgroupDevice = (insns: Uint8Array, license: string): number => {
  const lic = cstr(license);
  const load = (log: Buffer | null): number => {
    const attr = Buffer.alloc(ATTR_SIZE);
    attr.writeUInt32LE(BPF_PROG_TYPE_CGROUP_DEVICE, 0);
    attr.writeUInt32LE(insns.length / BPF_INSN_SIZE, 4);
    attr.writeBigUInt64LE(BigInt(ptr(insns)), 8);
    attr.writeBigUInt64LE(BigInt(ptr(lic)), 16);
    if (log) {
      attr.writeUInt32LE(1, 24);
      attr.writeUInt32LE(log.length, 28);
      attr.writeBigUInt64LE(BigInt(ptr(log)), 32);
    }
    attr.writeUInt32LE(BPF_CGROUP_DEVICE, 68); // expected_attach_type
    return bpf(CMD.PROG_LOAD, attr);
  };
  const fd = load(null);
  if (fd >= 0) return fd;
  const code = errno();
  const log = Buffer.alloc(LOG_SIZE);
  const again = load(log);
  if (again >= 0) return again;
  const text = log.toString("utf8", 0, Math.max(0, log.indexOf(0))).trim().split("\n").pop() ?? "";
  throw new SysError("bpf", code, `BPF_PROG_LOAD of ${insns.length / BPF_INSN_SIZE} instructions${text ? ` (verifier: ${text})` : ""}`);
};

/** Attaches `progFd` to the cgroup open at `cgroupFd`; with `replaceFd`, atomically in place of that program. */
export const progAttach = (cgroupFd: number, progFd: number, flags: number, replaceFd = 0): void => {
  const attr = Buffer.alloc(ATTR_SIZE);
  attr.writeUInt32LE(cgroupFd, 0);
  attr.writeUInt32LE(progFd, 4);
  attr.writeUInt32LE(BPF_CGROUP_DEVICE, 8);
  attr.writeUInt32LE(flags, 12);
  attr.writeUInt32LE(replaceFd, 16);
  check("bpf", `BPF_PROG_ATTACH cgroup fd ${cgroupFd} prog fd ${progFd}`, bpf(CMD.PROG_ATTACH, attr));
};

export const progDetach = (cgroupFd: number, progFd: number): void => {
  const attr = Buffer.alloc(ATTR_SIZE);
  attr.writeUInt32LE(cgroupFd, 0);
  attr.writeUInt32LE(progFd, 4);
  attr.writeUInt32LE(BPF_CGROUP_DEVICE, 8);
  check("bpf", `BPF_PROG_DETACH cgroup fd ${cgroupFd} prog fd ${progFd}`, bpf(CMD.PROG_DETACH, attr));
};

/** Ids of the device programs attached directly to the cgroup (not inherited ones). */
export const progQueryCgroupDevice = (cgroupFd: number, max = 64): number[] => {
  const ids = new Uint32Array(max);
  const attr = Buffer.alloc(ATTR_SIZE);
  attr.writeUInt32LE(cgroupFd, 0);
  attr.writeUInt32LE(BPF_CGROUP_DEVICE, 4);
  attr.writeBigUInt64LE(BigInt(ptr(ids)), 16);
  attr.writeUInt32LE(max, 24);
  check("bpf", `BPF_PROG_QUERY cgroup fd ${cgroupFd}`, bpf(CMD.PROG_QUERY, attr));
  return [...ids.subarray(0, attr.readUInt32LE(24))];
};

export const progGetFdById = (id: number): number => {
  const attr = Buffer.alloc(ATTR_SIZE);
  attr.writeUInt32LE(id, 0);
  return check("bpf", `BPF_PROG_GET_FD_BY_ID ${id}`, bpf(CMD.PROG_GET_FD_BY_ID, attr));
};
