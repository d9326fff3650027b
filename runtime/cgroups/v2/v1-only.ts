// What linux.resources can ask of cgroup v1 only: a v2 host has no file for it (runc and crun drop it without a
// word). bunker refuses it, as it refuses realtime budgets (cpu.ts): a config is honoured or refused, never half
// applied. The neutral values engines send (Docker's disableOOMKiller: false, a weight of 0) ask nothing and pass.
import type { LinuxResources } from "../../spec/resources.ts";

/** The first field of `r` that only cgroup v1 can honour, as a path below linux.resources, or undefined. */
export const v1OnlyField = (r: LinuxResources): string | undefined => {
  const m = r.memory;
  if (m?.swappiness !== undefined) return "memory.swappiness";
  if (m?.disableOOMKiller) return "memory.disableOOMKiller";
  if (m?.kernel) return "memory.kernel";
  if (m?.kernelTCP) return "memory.kernelTCP";
  if (r.blockIO?.leafWeight) return "blockIO.leafWeight";
  const i = r.blockIO?.weightDevice?.findIndex((d) => d.leafWeight) ?? -1;
  if (i >= 0) return `blockIO.weightDevice[${i}].leafWeight`;
  if (r.network?.classID !== undefined) return "network.classID";
  if (r.network?.priorities?.length) return "network.priorities";
  return undefined;
};
