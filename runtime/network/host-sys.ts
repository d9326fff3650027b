// What the network code asks of the kernel, as one interface: pinning a container's network namespace to a file,
// bringing its loopback up, clearing the shaping the bandwidth plugin left on a host-side veth, running plugins,
// durable storage and cgroup programs. The real implementation is here; unit tests pass a recording fake.
import { closeSync, constants, openSync, unlinkSync } from "node:fs";
import { CLONE, MNT_DETACH, MS } from "../../ffi/constants.ts";
import { isErrno } from "../../ffi/errno.ts";
import { umount2, mount } from "../../ffi/mount.ts";
import { namespaceType } from "../../ffi/namespace.ts";
import { close } from "../../ffi/fd.ts";
import { deleteQdisc, linkPeerIndex, linkSetUp, routeSocket, routeSocketIn } from "../../ffi/netlink.ts";
import { hostCgroupPrograms, type CgroupPrograms } from "../bpf/cgroup-program.ts";
import { fsStorage, type Storage } from "../durable/storage.ts";
import { hostPluginRunner, type PluginRunner } from "./cni-exec.ts";

export interface NetworkSys {
  /** Bind-mounts /proc/PID/ns/net on a new file at `path`, so the namespace outlives the container's processes. */
  pinNetns(pid: number, path: string): void;
  /** Unmounts and removes the pin; nothing when there is none. */
  unpinNetns(path: string): void;
  /** Whether `path` is a network namespace (a pin still mounted, or /proc/PID/ns/net of a live process). */
  isNetns(path: string): boolean;
  /** Sets `lo` up in the namespace at `nsPath` (index 1 in every network namespace). */
  loopbackUp(nsPath: string): void;
  /**
   * Removes the root and ingress qdiscs of the host-side peer of `ifName` (in the namespace at `nsPath`), which the
   * bandwidth plugin's DEL leaves; false when it had none.
   */
  clearPeerQdisc(nsPath: string, ifName: string): boolean;
  runner: PluginRunner;
  storage: Storage;
  bpf: CgroupPrograms;
}

const LOOPBACK_INDEX = 1;

const withSocket = <T>(fd: number, fn: (fd: number) => T): T => {
  try {
    return fn(fd);
  } finally {
    close(fd);
  }
};

export const hostNetworkSys = (): NetworkSys => ({
  pinNetns(pid, path) {
    closeSync(openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o444));
    try {
      mount(`/proc/${pid}/ns/net`, path, null, MS.BIND, null);
    } catch (err) {
      unlinkSync(path);
      throw err;
    }
  },
  unpinNetns(path) {
    try {
      umount2(path, MNT_DETACH);
    } catch (err) {
      // EINVAL: not a mount point (any more); ENOENT: no file.
      if (!isErrno(err, "EINVAL") && !isErrno(err, "ENOENT")) throw err;
    }
    try {
      unlinkSync(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
  },
  isNetns(path) {
    try {
      return namespaceType(path) === CLONE.NEWNET;
    } catch {
      return false;
    }
  },
  loopbackUp: (nsPath) => withSocket(routeSocketIn(nsPath), (fd) => linkSetUp(fd, LOOPBACK_INDEX, true)),
  clearPeerQdisc(nsPath, ifName) {
    const peer = withSocket(routeSocketIn(nsPath), (fd) => linkPeerIndex(fd, ifName));
    if (peer === undefined) return false;
    return withSocket(routeSocket(), (fd) => [deleteQdisc(fd, peer, "root"), deleteQdisc(fd, peer, "ingress")].some(Boolean));
  },
  runner: hostPluginRunner,
  storage: fsStorage(),
  bpf: hostCgroupPrograms,
});
