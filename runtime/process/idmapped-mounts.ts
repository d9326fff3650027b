// Idmapped bind mounts are made by the parent: mount_setattr(MOUNT_ATTR_IDMAP) needs privilege over the source's file
// system in the initial user namespace, which a stage inside the container's user namespace has no more. The
// detached copy of the source (open_tree OPEN_TREE_CLONE) reaches the stage as a descriptor, and the stage attaches
// it onto its target inside the rootfs with move_mount (rootfs/mounts.ts), as runc does.
import { posix } from "node:path";
import { AT, AT_FDCWD, MOUNT_ATTR, MS, O, OPEN_TREE_CLONE } from "../../ffi/constants.ts";
import { isErrno } from "../../ffi/errno.ts";
import { close } from "../../ffi/fd.ts";
import { mountSetattr, openTree } from "../../ffi/mount.ts";
import type { Config, LinuxIDMapping } from "../spec/config.ts";
import { parseMountOptions } from "../spec/mount-options.ts";
import { userNamespaceWith } from "./userns-fd.ts";

export interface IdmapRequest {
  /** Index in config.mounts. */
  mount: number;
  destination: string;
  source: string;
  uidMappings: readonly LinuxIDMapping[];
  gidMappings: readonly LinuxIDMapping[];
  /** rbind: the mounts below the source come along. */
  recursiveTree: boolean;
  /** ridmap: they are idmapped too. */
  recursiveIdmap: boolean;
}

/** The config's idmapped mounts (checked by configProblems: binds, with both maps here or in /linux). */
export const idmapRequests = (config: Config, bundle: string): IdmapRequest[] =>
  (config.mounts ?? []).flatMap((m, mount) => {
    const opts = parseMountOptions(m.options ?? []);
    if (opts.idmap === "none" && !m.uidMappings?.length && !m.gidMappings?.length) return [];
    return [{
      mount,
      destination: m.destination,
      source: posix.resolve(bundle, m.source ?? ""),
      uidMappings: m.uidMappings?.length ? m.uidMappings : (config.linux?.uidMappings ?? []),
      gidMappings: m.gidMappings?.length ? m.gidMappings : (config.linux?.gidMappings ?? []),
      recursiveTree: (opts.flags & MS.REC) !== 0,
      recursiveIdmap: opts.idmap === "recursive",
    }];
  });

const why = (err: unknown, source: string): string => {
  if (isErrno(err, "EINVAL")) return `the file system of '${source}' (or a mount below it) does not support idmapped mounts`;
  if (isErrno(err, "ENOSYS")) return "this kernel has no mount_setattr (Linux 5.12 and later have)";
  if (isErrno(err, "EPERM")) return "not permitted (idmapping needs root in the initial user namespace)";
  return "mount_setattr failed";
};

/** Detached idmapped copies of the sources, one descriptor per mount; user namespaces are shared by equal maps. */
export const openIdmappedMounts = (requests: readonly IdmapRequest[]): { mount: number; fd: number }[] => {
  const opened: { mount: number; fd: number }[] = [];
  const namespaces = new Map<string, number>();
  try {
    for (const r of requests) {
      const key = JSON.stringify([r.uidMappings, r.gidMappings]);
      const userns = namespaces.get(key) ?? userNamespaceWith(r.uidMappings, r.gidMappings);
      namespaces.set(key, userns);
      const tree = openTree(AT_FDCWD, r.source, OPEN_TREE_CLONE | O.CLOEXEC | (r.recursiveTree ? AT.RECURSIVE : 0));
      opened.push({ mount: r.mount, fd: tree });
      try {
        mountSetattr(tree, "", AT.EMPTY_PATH | (r.recursiveIdmap ? AT.RECURSIVE : 0), { set: MOUNT_ATTR.IDMAP, clear: 0, propagation: 0, usernsFd: userns });
      } catch (err) {
        throw new Error(`Mount of '${r.destination}' cannot be idmapped: ${why(err, r.source)}`, { cause: err });
      }
    }
    return opened;
  } catch (err) {
    for (const o of opened) close(o.fd);
    throw err;
  } finally {
    for (const fd of namespaces.values()) close(fd);
  }
};
