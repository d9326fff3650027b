// The kernel itself: its release and, when the board publishes it, its build configuration.
import { type CheckItem, item } from "./report.ts";
import { lines, type SystemView } from "./system.ts";

export const kernelRelease = (view: SystemView): string => view.read("/proc/sys/kernel/osrelease")?.trim() ?? "unknown";

/** [major, minor] of a release such as "6.1.0-57-arm64"; [0, 0] when unreadable. */
export const kernelVersion = (release: string): [number, number] => {
  const m = /^(\d+)\.(\d+)/.exec(release);
  return m ? [Number(m[1]), Number(m[2])] : [0, 0];
};

export const atLeast = (release: string, major: number, minor: number): boolean => {
  const [a, b] = kernelVersion(release);
  return a > major || (a === major && b >= minor);
};

export interface KernelConfig {
  source: string;
  options: Map<string, string>;
}

/** CONFIG_* values from /proc/config.gz, or else /boot/config-<release>. */
export const kernelConfig = (view: SystemView, release: string): KernelConfig | undefined => {
  const parse = (text: string, source: string): KernelConfig => {
    const options = new Map<string, string>();
    for (const l of lines(text)) {
      const m = /^(CONFIG_\w+)=(.*)$/.exec(l);
      if (m) options.set(m[1]!, m[2]!);
    }
    return { source, options };
  };
  const gz = view.readBytes("/proc/config.gz");
  if (gz) return parse(Buffer.from(Bun.gunzipSync(new Uint8Array(gz))).toString("utf8"), "/proc/config.gz");
  const boot = view.read(`/boot/config-${release}`);
  return boot === undefined ? undefined : parse(boot, `/boot/config-${release}`);
};

export const kernelItems = (release: string, config: KernelConfig | undefined): CheckItem[] => [
  item(
    {
      id: "kernel.release",
      group: "kernel",
      title: "Kernel 5.10 or newer",
      loss: "cgroup v2 freezer, cgroup.kill, pidfd and PSI triggers come with 5.2-5.19; older kernels lose some of them",
    },
    atLeast(release, 5, 10) ? "ok" : "degraded",
    release,
  ),
  item(
    {
      id: "kernel.config",
      group: "kernel",
      title: "Kernel configuration readable",
      loss: "build options cannot be verified (enable CONFIG_IKCONFIG_PROC for /proc/config.gz or ship /boot/config-*)",
    },
    config ? "ok" : "degraded",
    config ? `${config.source}, ${config.options.size} options` : "no /proc/config.gz, no /boot/config-<release>",
  ),
];
