// Fields of the spec that bunker does not implement. A runtime may refuse what it cannot honour; accepting and
// ignoring them would run a container with less than its config asks for. features.ts reports these as off.
import type { Problem } from "./problem.ts";

/** process.* (config.json and exec's process.json); `at` is the pointer of the process object. */
export const unsupportedProcessProblems = (p: { selinuxLabel?: string }, at: string): Problem[] =>
  p.selinuxLabel ? [{ pointer: `${at}/selinuxLabel`, detail: "SELinux labels are not supported by bunker" }] : [];

/** linux.* (structurally: config.ts owns the schema and calls this). */
export const unsupportedLinuxProblems = (linux: {
  mountLabel?: string;
  intelRdt?: object;
  memoryPolicy?: unknown;
  resources?: { memory?: { useHierarchy?: boolean } };
}): Problem[] => {
  const out: Problem[] = [];
  if (linux.mountLabel) out.push({ pointer: "/linux/mountLabel", detail: "SELinux labels are not supported by bunker" });
  if (linux.intelRdt) out.push({ pointer: "/linux/intelRdt", detail: "Intel RDT is not supported by bunker" });
  if (linux.memoryPolicy !== undefined) out.push({ pointer: "/linux/memoryPolicy", detail: "NUMA memory policies are not supported by bunker" });
  // cgroup v2, and v1 since Linux 5.11, always account hierarchically: the kernel refuses to turn it off.
  if (linux.resources?.memory?.useHierarchy === false)
    out.push({ pointer: "/linux/resources/memory/useHierarchy", detail: "Memory accounting is always hierarchical: false cannot be honoured" });
  return out;
};
