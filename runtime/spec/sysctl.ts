// Which namespace isolates a sysctl: runc's rule, so a container cannot change the host's kernel settings.
import type { NamespaceType } from "./namespaces.ts";

const IPC_SYSCTLS = new Set([
  "kernel.msgmax",
  "kernel.msgmnb",
  "kernel.msgmni",
  "kernel.sem",
  "kernel.shmall",
  "kernel.shmmax",
  "kernel.shmmni",
  "kernel.shm_rmid_forced",
]);

/** The namespace a sysctl key (dotted or slashed) belongs to, or undefined when it is global to the host. */
export const sysctlNamespace = (key: string): NamespaceType | undefined => {
  const k = key.replaceAll("/", ".");
  if (IPC_SYSCTLS.has(k) || k.startsWith("fs.mqueue.")) return "ipc";
  if (k.startsWith("net.")) return "network";
  if (k === "kernel.domainname" || k === "kernel.hostname") return "uts";
  return undefined;
};
