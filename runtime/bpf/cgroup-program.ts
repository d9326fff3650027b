// Programs on a cgroup v2 directory, for real: load one, attach it with BPF_F_ALLOW_MULTI in place of the programs
// attached there before for the same hook (atomically where the kernel can), list and detach them. The device filter
// and the socket policy both go through here.
import { closeSync, constants, openSync } from "node:fs";
import {
  BPF_F_ALLOW_MULTI, BPF_F_REPLACE, progAttach, progDetach, progGetFdById, progInfo, progLoad, progQuery, type ProgInfo, type ProgramSpec,
} from "../../ffi/bpf.ts";
import { isErrno } from "../../ffi/errno.ts";

/** A program and the hook it is for (ProgramSpec.expectedAttachType). */
export type CgroupProgram = ProgramSpec;

/** Swaps `old` for `prog` atomically; false on kernels before 5.7, which lack BPF_F_REPLACE (EINVAL). */
const replaced = (cgroup: number, prog: number, attachType: number, old: number): boolean => {
  try {
    progAttach(cgroup, prog, attachType, BPF_F_ALLOW_MULTI | BPF_F_REPLACE, old);
    return true;
  } catch (err) {
    if (isErrno(err, "EINVAL")) return false;
    throw err;
  }
};

const withCgroup = <T>(dir: string, fn: (fd: number, keep: (fd: number) => number) => T): T => {
  const cgroup = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  const fds: number[] = [];
  try {
    return fn(cgroup, (fd) => (fds.push(fd), fd));
  } finally {
    for (const fd of fds) closeSync(fd);
    closeSync(cgroup);
  }
};

/** Fds of the programs attached directly to the cgroup for `attachType`, closed with the cgroup's. */
const attachedFds = (cgroup: number, attachType: number, keep: (fd: number) => number): number[] =>
  progQuery(cgroup, attachType).map((id) => keep(progGetFdById(id)));

/** Puts `p` on the cgroup at `dir` for its hook, removing what was attached there before; returns the program's id. */
export const replaceCgroupProgram = (dir: string, p: CgroupProgram): number =>
  withCgroup(dir, (cgroup, keep) => {
    const old = attachedFds(cgroup, p.expectedAttachType, keep);
    const prog = keep(progLoad(p));
    const { id } = progInfo(prog);
    const [only] = old;
    if (old.length === 1 && only !== undefined && replaced(cgroup, prog, p.expectedAttachType, only)) return id;
    progAttach(cgroup, prog, p.expectedAttachType, BPF_F_ALLOW_MULTI);
    for (const fd of old) progDetach(cgroup, fd, p.expectedAttachType);
    return id;
  });

/** Removes every program attached directly to the cgroup for `attachType`. */
export const detachCgroupPrograms = (dir: string, attachType: number): void =>
  withCgroup(dir, (cgroup, keep) => {
    for (const fd of attachedFds(cgroup, attachType, keep)) progDetach(cgroup, fd, attachType);
  });

/** What is attached directly to the cgroup for `attachType`. */
export const attachedPrograms = (dir: string, attachType: number): ProgInfo[] =>
  withCgroup(dir, (cgroup, keep) => attachedFds(cgroup, attachType, keep).map(progInfo));

/** The three operations as one interface, so that what decides which programs go where is tested with a fake. */
export interface CgroupPrograms {
  replace(dir: string, p: CgroupProgram): number;
  detach(dir: string, attachType: number): void;
  attached(dir: string, attachType: number): ProgInfo[];
}

export const hostCgroupPrograms: CgroupPrograms = { replace: replaceCgroupProgram, detach: detachCgroupPrograms, attached: attachedPrograms };
