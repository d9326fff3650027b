// The OCI features document (runtime-spec 1.2 features.md): what this build of bunker supports, from its own tables.
import { Type, type Static } from "@sinclair/typebox";
import { VERSION } from "../version.ts";
import { CAPABILITY_NAMES } from "./capabilities.ts";
import { HOOK_NAMES, OCI_VERSION } from "./config.ts";
import { MOUNT_OPTION_NAMES } from "./mount-options.ts";
import { NAMESPACE_TYPES } from "./namespaces.ts";
import { seccompFlagsRefused } from "../../ffi/seccomp.ts";
import { ARCHES_OF, SECCOMP_ACTIONS, SECCOMP_FLAG_NAMES, SECCOMP_FLAGS, SECCOMP_OPERATORS } from "./seccomp-names.ts";
import { SECCOMP_FILTER_FLAG } from "../../ffi/constants.ts";
import { arch } from "../../ffi/arch.ts";

const Enabled = () => Type.Optional(Type.Object({ enabled: Type.Optional(Type.Boolean()) }));
const Strings = () => Type.Optional(Type.Array(Type.String()));

export const FeaturesSchema = Type.Object(
  {
    ociVersionMin: Type.String(),
    ociVersionMax: Type.String(),
    hooks: Strings(),
    mountOptions: Strings(),
    linux: Type.Optional(
      Type.Object({
        namespaces: Strings(),
        capabilities: Strings(),
        cgroup: Type.Optional(
          Type.Object({
            v1: Type.Optional(Type.Boolean()),
            v2: Type.Optional(Type.Boolean()),
            systemd: Type.Optional(Type.Boolean()),
            systemdUser: Type.Optional(Type.Boolean()),
            rdma: Type.Optional(Type.Boolean()),
          }),
        ),
        seccomp: Type.Optional(
          Type.Object({
            enabled: Type.Optional(Type.Boolean()),
            actions: Strings(),
            operators: Strings(),
            archs: Strings(),
            knownFlags: Strings(),
            supportedFlags: Strings(),
          }),
        ),
        apparmor: Enabled(),
        selinux: Enabled(),
        intelRdt: Enabled(),
        netDevices: Enabled(),
        mountExtensions: Type.Optional(Type.Object({ idmap: Enabled() })),
      }),
    ),
    annotations: Type.Optional(Type.Record(Type.String(), Type.String())),
    potentiallyUnsafeConfigAnnotations: Strings(),
  },
  { $id: "https://bunker.invalid/schemas/features.json", title: "OCI runtime features (bunker)" },
);
export type Features = Static<typeof FeaturesSchema>;

/** The flags this kernel takes: WAIT_KILLABLE_RECV is asked for together with a listener, as bunker passes it. */
const kernelFlags = (refused: (flags: number) => string | null): string[] =>
  SECCOMP_FLAG_NAMES.filter((name) => {
    const bit = SECCOMP_FLAGS[name];
    return refused(bit === SECCOMP_FILTER_FLAG.WAIT_KILLABLE_RECV ? bit | SECCOMP_FILTER_FLAG.NEW_LISTENER : bit) === null;
  });

/**
 * cgroup v1, v2 and the hybrid layout are driven through cgroupfs (rdma included); there is no systemd driver. seccomp
 * covers this machine's architecture and its compat ones (a call from any other is killed); `supportedFlags` are the
 * known flags the running kernel takes. Idmapped bind mounts are (mount_setattr, Linux 5.12+; a file system that
 * cannot is refused when the container is created). AppArmor profiles are applied (where the host has AppArmor:
 * apparmor.ts) and linux.netDevices are moved. SELinux and Intel RDT are not implemented, so they are reported
 * disabled (and refused in a config).
 */
export const features = (refused: (flags: number) => string | null = seccompFlagsRefused): Features => ({
  ociVersionMin: "1.0.0",
  ociVersionMax: OCI_VERSION,
  hooks: [...HOOK_NAMES],
  mountOptions: [...MOUNT_OPTION_NAMES],
  linux: {
    namespaces: [...NAMESPACE_TYPES].sort(),
    capabilities: [...CAPABILITY_NAMES],
    cgroup: { v1: true, v2: true, systemd: false, systemdUser: false, rdma: true },
    seccomp: {
      enabled: true,
      actions: [...SECCOMP_ACTIONS],
      operators: [...SECCOMP_OPERATORS],
      archs: [ARCHES_OF[arch].native, ...ARCHES_OF[arch].also],
      knownFlags: [...SECCOMP_FLAG_NAMES],
      supportedFlags: kernelFlags(refused),
    },
    apparmor: { enabled: true },
    selinux: { enabled: false },
    intelRdt: { enabled: false },
    netDevices: { enabled: true },
    mountExtensions: { idmap: { enabled: true } },
  },
  annotations: { "org.opencontainers.bunker.version": VERSION },
});
