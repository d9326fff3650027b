// Host files the setup stage writes to after it may have lost the right to open them (inside a user namespace, or
// after pivot_root), and idmapped mounts it may not make there: the privileged parent opens them and the stage
// inherits the descriptors.
import { O } from "../../ffi/constants.ts";
import { close, open } from "../../ffi/fd.ts";
import { connectUnix } from "../../ffi/socket.ts";
import { openIdmappedMounts, type IdmapRequest } from "./idmapped-mounts.ts";
import type { HostFds } from "./plan.ts";
import { STAGE_FDS } from "./spawn-stage.ts";

export interface HostFiles {
  /** The parent's descriptors, in the order the stage receives them. */
  fds: number[];
  /** The same files as the stage numbers them. */
  layout: HostFds;
  close(): void;
}

/** Where the stage sends a terminal's master: a --console-socket path, or a socket bunker holds the other end of. */
export type ConsoleTarget = { path: string } | { fd: number } | null;

export const openHostFiles = (paths: {
  cgroupProcs: readonly string[];
  execFifo: string | null;
  console: ConsoleTarget;
  idmapped?: readonly IdmapRequest[];
}): HostFiles => {
  const fds: number[] = [];
  const take = (fd: number): number => {
    fds.push(fd);
    return STAGE_FDS.firstExtra + fds.length - 1;
  };
  const closeAll = (): void => fds.forEach((fd) => close(fd));
  try {
    const layout: HostFds = {
      cgroupProcs: paths.cgroupProcs.map((p) => take(open(p, O.WRONLY | O.CLOEXEC))),
      // Read-write, so that opening never blocks and the stage's read blocks until `start` writes.
      execFifo: paths.execFifo === null ? null : take(open(paths.execFifo, O.RDWR | O.CLOEXEC)),
      consoleSocket: paths.console === null ? null : take("fd" in paths.console ? paths.console.fd : connectUnix(paths.console.path)),
      idmappedMounts: openIdmappedMounts(paths.idmapped ?? []).map(({ mount, fd }) => ({ mount, fd: take(fd) })),
    };
    return { fds, layout, close: closeAll };
  } catch (err) {
    closeAll();
    throw err;
  }
};
