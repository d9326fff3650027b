// podman's default seccomp profile (/usr/share/containers/seccomp.json, from Debian's golang-github-containers-common)
// is written in containers/common's format: entries include or exclude themselves by capability and architecture,
// and archMap lists the architectures per machine. This turns it into the linux.seccomp podman hands its runtime,
// following containers/common's rules (pkg/seccomp: an entry is kept when none of its excluded capabilities is in the
// bounding set, all of its included ones are, and the machine's architecture is not excluded / is included).
import { existsSync, readFileSync } from "node:fs";

export const PODMAN_PROFILE = "/usr/share/containers/seccomp.json";

interface Filter {
  caps?: string[];
  arches?: string[];
}

interface Arg {
  index: number;
  value: number;
  valueTwo?: number;
  op: string;
}

interface PodmanProfile {
  defaultAction: string;
  defaultErrnoRet?: number;
  archMap?: { architecture: string; subArchitectures: string[] }[];
  syscalls: { names: string[]; action: string; errnoRet?: number; args?: Arg[]; includes?: Filter; excludes?: Filter }[];
}

/** Go's names of the machine, which the profile's `arches` filters use. */
const GOARCH: Record<string, { goarch: string; seccomp: string }> = {
  x64: { goarch: "amd64", seccomp: "SCMP_ARCH_X86_64" },
  arm64: { goarch: "arm64", seccomp: "SCMP_ARCH_AARCH64" },
};

/** Why the profile cannot be read, or undefined. */
export const podmanProfileMissing = (): string | undefined =>
  existsSync(PODMAN_PROFILE) ? undefined : `${PODMAN_PROFILE} is missing (apt-get install golang-github-containers-common)`;

/** The profile as podman resolves it for a container whose bounding set is `bounding`, on this machine. */
export const podmanSeccomp = (bounding: readonly string[], machine: string = process.arch) => {
  const p = JSON.parse(readFileSync(PODMAN_PROFILE, "utf8")) as PodmanProfile;
  const { goarch, seccomp } = GOARCH[machine]!;
  const arches = p.archMap?.find((a) => a.architecture === seccomp);
  const kept = p.syscalls.filter((s) => {
    if (s.excludes?.arches?.includes(goarch)) return false;
    if (s.excludes?.caps?.some((c) => bounding.includes(c))) return false;
    if (s.includes?.arches?.length && !s.includes.arches.includes(goarch)) return false;
    if (s.includes?.caps?.some((c) => !bounding.includes(c))) return false;
    return true;
  });
  return {
    defaultAction: p.defaultAction,
    ...(p.defaultErrnoRet === undefined ? {} : { defaultErrnoRet: p.defaultErrnoRet }),
    ...(arches ? { architectures: [arches.architecture, ...arches.subArchitectures] } : {}),
    syscalls: kept.map((s) => ({
      names: s.names,
      action: s.action,
      ...(s.errnoRet == null ? {} : { errnoRet: s.errnoRet }),
      // Go leaves a zero valueTwo out of the JSON podman writes.
      ...(s.args?.length ? { args: s.args.map(({ valueTwo, ...a }) => (valueTwo ? { ...a, valueTwo } : a)) } : {}),
    })),
  };
};
