// OCI namespace types -> clone flags and the file names under /proc/<pid>/ns.
import { CLONE } from "../../ffi/constants.ts";

export const NAMESPACE_TYPES = ["pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time"] as const;
export type NamespaceType = (typeof NAMESPACE_TYPES)[number];

interface NamespaceKind {
  /** CLONE_NEW* for unshare(2) and setns(2). */
  flag: number;
  /** Name of the namespace file in /proc/<pid>/ns/. */
  procFile: string;
}

export const NAMESPACES: Readonly<Record<NamespaceType, NamespaceKind>> = {
  pid: { flag: CLONE.NEWPID, procFile: "pid" },
  network: { flag: CLONE.NEWNET, procFile: "net" },
  mount: { flag: CLONE.NEWNS, procFile: "mnt" },
  ipc: { flag: CLONE.NEWIPC, procFile: "ipc" },
  uts: { flag: CLONE.NEWUTS, procFile: "uts" },
  user: { flag: CLONE.NEWUSER, procFile: "user" },
  cgroup: { flag: CLONE.NEWCGROUP, procFile: "cgroup" },
  time: { flag: CLONE.NEWTIME, procFile: "time" },
};

/** /proc/<pid>/ns/<file> of a process's namespace of the given type. */
export const namespacePath = (pid: number | "self", type: NamespaceType): string => `/proc/${pid}/ns/${NAMESPACES[type].procFile}`;
