// The starter config.json `bunker spec` writes: runc's example spec (runc 1.2), rootful or rootless.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { OCI_VERSION, type Config, type Mount } from "./config.ts";

const DEFAULT_CAPABILITIES = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"];

const defaultMounts = (): Mount[] => [
  { destination: "/proc", type: "proc", source: "proc" },
  { destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"] },
  {
    destination: "/dev/pts",
    type: "devpts",
    source: "devpts",
    options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"],
  },
  { destination: "/dev/shm", type: "tmpfs", source: "shm", options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"] },
  { destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"] },
  { destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"] },
  { destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup", options: ["nosuid", "noexec", "nodev", "relatime", "ro"] },
];

/**
 * runc's example: `sh` on a terminal, read-only rootfs, three capabilities (no ambient or inheritable set, as runc
 * since CVE-2022-29162), private pid/network/ipc/uts/mount/cgroup namespaces and all devices denied to the cgroup.
 */
export const defaultConfig = (): Config => {
  const caps = () => [...DEFAULT_CAPABILITIES];
  return {
    ociVersion: OCI_VERSION,
    process: {
      terminal: true,
      user: { uid: 0, gid: 0 },
      args: ["sh"],
      env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"],
      cwd: "/",
      capabilities: { bounding: caps(), effective: caps(), permitted: caps() },
      rlimits: [{ type: "RLIMIT_NOFILE", hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: "rootfs", readonly: true },
    hostname: "bunker",
    mounts: defaultMounts(),
    linux: {
      resources: { devices: [{ allow: false, access: "rwm" }] },
      namespaces: [{ type: "pid" }, { type: "network" }, { type: "ipc" }, { type: "uts" }, { type: "mount" }, { type: "cgroup" }],
      maskedPaths: [
        "/proc/acpi",
        "/proc/asound",
        "/proc/kcore",
        "/proc/keys",
        "/proc/latency_stats",
        "/proc/timer_list",
        "/proc/timer_stats",
        "/proc/sched_debug",
        "/sys/firmware",
        "/proc/scsi",
      ],
      readonlyPaths: ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"],
    },
  };
};

/**
 * runc's rootless conversion: a user namespace mapping the caller's uid and gid to 0, no network namespace (an
 * unprivileged user cannot configure one), /sys bind-mounted from the host (sysfs needs a network namespace owned by
 * the user), no uid=/gid= mount options (unmapped ids) and no cgroup resources.
 */
export const toRootless = (config: Config, uid: number, gid: number): Config => {
  const linux = { ...config.linux };
  linux.namespaces = [...(linux.namespaces ?? []).filter((n) => n.type !== "network" && n.type !== "user"), { type: "user" }];
  linux.uidMappings = [{ containerID: 0, hostID: uid, size: 1 }];
  linux.gidMappings = [{ containerID: 0, hostID: gid, size: 1 }];
  delete linux.resources;
  const mounts = (config.mounts ?? []).map(
    (m): Mount =>
      m.destination === "/sys"
        ? { destination: "/sys", type: "none", source: "/sys", options: ["rbind", "nosuid", "noexec", "nodev", "ro"] }
        : { ...m, ...(m.options && { options: m.options.filter((o) => !/^[ug]id=/.test(o)) }) },
  );
  return { ...config, mounts, linux };
};

/** Writes the default config.json into `bundleDir`, never over an existing one. */
export const writeDefaultConfig = (bundleDir: string, opts: { rootless: boolean; uid: number; gid: number }): string => {
  const file = join(bundleDir, "config.json");
  const config = opts.rootless ? toRootless(defaultConfig(), opts.uid, opts.gid) : defaultConfig();
  try {
    writeFileSync(file, `${JSON.stringify(config, null, "\t")}\n`, { flag: "wx", mode: 0o666 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") throw new Error(`File exists: '${file}'`);
    throw new Error(`Cannot write the default config: '${file}'`, { cause: err });
  }
  return file;
};
