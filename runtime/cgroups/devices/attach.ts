// Puts a device filter on a cgroup v2 directory for real: load it, attach it with BPF_F_ALLOW_MULTI, and remove the
// programs attached to the cgroup before (an update replaces the filter; with exactly one old program, atomically
// where the kernel can).
import { closeSync, constants, openSync } from "node:fs";
import {
  BPF_F_ALLOW_MULTI, BPF_F_REPLACE, progAttach, progDetach, progGetFdById, progLoadCgroupDevice, progQueryCgroupDevice,
} from "../../../ffi/bpf.ts";
import { isErrno } from "../../../ffi/errno.ts";
import { DEVICE_FILTER_LICENSE } from "./program.ts";

/** Swaps `old` for `prog` atomically; false on kernels before 5.7, which lack BPF_F_REPLACE (EINVAL). */
const replaced = (cgroup: number, prog: number, old: number): boolean => {
  try {
    progAttach(cgroup, prog, BPF_F_ALLOW_MULTI | BPF_F_REPLACE, old);
    return true;
  } catch (err) {
    if (isErrno(err, "EINVAL")) return false;
    throw err;
  }
};

export const attachDeviceFilter = (dir: string, program: Uint8Array): void => {
  const cgroup = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  const fds: number[] = [];
  try {
    const old = progQueryCgroupDevice(cgroup).map((id) => {
      const fd = progGetFdById(id);
      fds.push(fd);
      return fd;
    });
    const prog = progLoadCgroupDevice(program, DEVICE_FILTER_LICENSE);
    fds.push(prog);
    const [only] = old;
    if (old.length === 1 && only !== undefined && replaced(cgroup, prog, only)) return;
    progAttach(cgroup, prog, BPF_F_ALLOW_MULTI);
    for (const fd of old) progDetach(cgroup, fd);
  } catch (err) {
    throw new Error(`Setting the device filter of '${dir}': ${(err as Error).message}`, { cause: err });
  } finally {
    for (const fd of fds) closeSync(fd);
    closeSync(cgroup);
  }
};
