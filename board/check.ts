// `bunker board check`: a kernel and system feature report for a board, in the spirit of docker's check-config and
// lxc-checkconfig. Each item says ok, degraded or missing and, when not ok, what bunker loses.
import { cgroupFacts, cgroupItems } from "./check/cgroups.ts";
import { checkpointItems } from "./check/checkpoint.ts";
import { cpuItems, machineArch } from "./check/cpu.ts";
import { filesystemItems } from "./check/filesystems.ts";
import { kernelConfig, kernelItems, kernelRelease } from "./check/kernel.ts";
import { namespaceItems } from "./check/namespaces.ts";
import { networkItems } from "./check/network.ts";
import { pressureItems } from "./check/pressure.ts";
import { processItems } from "./check/process.ts";
import { type CheckReport, summarize } from "./check/report.ts";
import type { SystemView } from "./check/system.ts";

export const boardCheck = (view: SystemView): CheckReport => {
  const release = kernelRelease(view);
  const config = kernelConfig(view, release);
  const arch = machineArch(view);
  return summarize(release, arch, [
    ...kernelItems(release, config),
    ...cpuItems(view, arch),
    ...namespaceItems(view),
    ...cgroupItems(view, release, config),
    ...pressureItems(view, cgroupFacts(view)),
    ...processItems(view),
    ...filesystemItems(view, release),
    ...networkItems(view, cgroupFacts(view), config),
    ...checkpointItems(view, release, arch),
  ]);
};
