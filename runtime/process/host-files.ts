// Host files the setup stage writes to after it may have lost the right to open them (inside a user namespace, or
// after pivot_root), and idmapped mounts it may not make there: the privileged parent opens them and sends the
// descriptors with the plan (the stage may be running already: create.ts).
import { O } from "../../ffi/constants.ts";
import { close, open } from "../../ffi/fd.ts";
import { connectUnix, listenUnixIn } from "../../ffi/socket.ts";
import { openIdmappedMounts, type IdmapRequest } from "./idmapped-mounts.ts";
import type { HostFds } from "./plan.ts";
import { STAGE_FDS } from "./spawn-stage.ts";

export interface HostFiles {
  /** The parent's descriptors, in the order they are sent to the stage. */
  fds: number[];
  /** The same files as the stage numbers them. */
  layout: HostFds;
  close(): void;
}

/** Where the stage sends a terminal's master: a --console-socket path, or a socket bunker holds the other end of. */
export type ConsoleTarget = { path: string } | { fd: number } | null;

export interface HostPaths {
  cgroupProcs: readonly string[];
  /** Where the start socket is made (a container's state directory), or null. */
  start: { dir: string; name: string } | null;
  console: ConsoleTarget;
  idmapped?: readonly IdmapRequest[];
}

export const openHostFiles = (paths: HostPaths): HostFiles => {
  const fds: number[] = [];
  const take = (fd: number): number => {
    fds.push(fd);
    return STAGE_FDS.hostFiles + fds.length - 1;
  };
  // Once: a failure after the plan went out closes them again with everything else.
  const closeAll = (): void => fds.splice(0).forEach((fd) => close(fd));
  try {
    const layout: HostFds = {
      cgroupProcs: paths.cgroupProcs.map((p) => take(open(p, O.WRONLY | O.CLOEXEC))),
      start: paths.start === null ? null : take(listenUnixIn(paths.start.dir, paths.start.name)),
      consoleSocket: paths.console === null ? null : take("fd" in paths.console ? paths.console.fd : connectUnix(paths.console.path)),
      idmappedMounts: openIdmappedMounts(paths.idmapped ?? []).map(({ mount, fd }) => ({ mount, fd: take(fd) })),
    };
    return { fds, layout, close: closeAll };
  } catch (err) {
    closeAll();
    throw err;
  }
};
