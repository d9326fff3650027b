// The OCI bundles the board suite runs: one busybox rootfs each, configs written the way runc's `spec` would, checked
// with bunker's own config schema before they go on the disk.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Config, parseConfig } from "../runtime/spec/config.ts";

/** Applets linked into each test rootfs; the suite calls only these. */
export const ROOTFS_APPLETS = [
  "sh", "cat", "echo", "sleep", "true", "false", "hostname", "id", "ls", "readlink", "head", "dd", "tail", "grep", "env", "mount", "sync",
] as const;

const ALL_NAMESPACES = ["pid", "network", "ipc", "uts", "mount", "cgroup", "user", "time"] as const;
const DEFAULT_NAMESPACES = ["pid", "network", "ipc", "uts", "mount", "cgroup"] as const;

const CAPS = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"];

const HELLO =
  'echo "BOARD-MARK container-running uptime=$(cat /proc/uptime)"; echo "pid=$$ host=$(hostname)"; ' +
  "for n in pid net ipc uts mnt cgroup user time; do echo \"ns $n $(readlink /proc/self/ns/$n)\"; done";

/** Counts five times a second into /tmp/count (a tmpfs of the container), as "TOKEN N": the token is drawn once, at
 * the start, and held only in the shell's memory, so a count that goes on under the same token is the same process. */
const COUNTER = 't=$(cat /proc/sys/kernel/random/uuid); n=0; while :; do n=$((n + 1)); echo "$t $n" > /tmp/count; sleep 0.2; done';

/** Holds 32 MiB of random bytes in tail's buffer (anonymous memory), fed by a writer that then keeps the pipe open. */
const HOG = "{ head -c 33554432 /dev/urandom; echo filled > /tmp/filled; sleep 100000; } | tail -c 33554432";

type Namespace = (typeof ALL_NAMESPACES)[number];

interface BundleSpec {
  args: string[];
  namespaces: readonly Namespace[];
  /** Namespaces joined by path instead of made afresh. */
  joins?: Partial<Record<Namespace, string>>;
  annotations?: Record<string, string>;
  resources?: NonNullable<Config["linux"]>["resources"];
  seccomp?: NonNullable<Config["linux"]>["seccomp"];
  mounts?: NonNullable<Config["mounts"]>;
}

/** On the board's disk, not a tmpfs: the writer's page cache can be reclaimed, so it reclaims at its own limit. */
export const WRITER_DATA = "/var/lib/bunker-writer";

/** Each bundle by name; the suite refers to them by these names. */
export const BUNDLES: Record<string, BundleSpec> = {
  // Print what the suite compares with the host's view: namespaces, PID, hostname, uptime.
  hello: { args: ["/bin/sh", "-c", HELLO], namespaces: DEFAULT_NAMESPACES },
  allns: { args: ["/bin/sh", "-c", HELLO], namespaces: ALL_NAMESPACES },
  // run -d, exec, kill, delete, pause and resume; in runc's default namespaces and in all of them.
  sleeper: { args: ["/bin/sleep", "600"], namespaces: DEFAULT_NAMESPACES },
  sleepall: { args: ["/bin/sleep", "600"], namespaces: ALL_NAMESPACES },
  limits: {
    args: ["/bin/sleep", "600"],
    namespaces: DEFAULT_NAMESPACES,
    resources: {
      memory: { limit: 48 * 2 ** 20, reservation: 16 * 2 ** 20, swap: 64 * 2 ** 20 },
      cpu: { quota: 50000, period: 100000, shares: 512 },
      pids: { limit: 32 },
    },
  },
  // dd allocates a 64 MiB buffer and fills it: far over the 16 MiB limit with no swap allowed.
  oom: {
    args: ["/bin/dd", "if=/dev/zero", "of=/dev/null", "bs=64M", "count=4"],
    namespaces: DEFAULT_NAMESPACES,
    resources: { memory: { limit: 16 * 2 ** 20, swap: 16 * 2 ** 20 } },
  },
  // Process checkpoints (tests/board/criu.test.ts): a counter whose processes come back at boot, and 32 MiB to dump.
  counter: { args: ["/bin/sh", "-c", COUNTER], namespaces: DEFAULT_NAMESPACES, annotations: { "org.bunker.checkpoint.resume": "processes" } },
  counter2: { args: ["/bin/sh", "-c", COUNTER], namespaces: DEFAULT_NAMESPACES, annotations: { "org.bunker.checkpoint.resume": "processes" } },
  // In a network namespace made outside it, as CNI makes them (criu-guest.sh makes it with `ip netns add`).
  counternet: { args: ["/bin/sh", "-c", COUNTER], namespaces: DEFAULT_NAMESPACES, joins: { network: "/run/netns/bunker-criu" } },
  hog: { args: ["/bin/sh", "-c", HOG], namespaces: DEFAULT_NAMESPACES },
  // 150 MB written to the disk through a 16 MiB limit: reclaim, and stall, at its own limit only.
  writer: {
    args: ["/bin/sh", "-c", "dd if=/dev/zero of=/data/f bs=1M count=150 2>/dev/null; rm -f /data/f; touch /data/done; exec sleep 600"],
    namespaces: DEFAULT_NAMESPACES,
    resources: { memory: { limit: 16 * 2 ** 20 } },
    mounts: [{ destination: "/data", type: "bind", source: WRITER_DATA, options: ["rbind", "rw"] }],
  },
  // A foreground run during which the suite samples bunker's RSS (its start takes seconds when emulated).
  rss: { args: ["/bin/sleep", "10"], namespaces: DEFAULT_NAMESPACES },
  // A seccomp filter on a real aarch64 kernel: mkdir is mkdirat there (the generic table), and an argument rule.
  seccomp: {
    args: ["/bin/sh", "-c", "grep '^Seccomp:' /proc/self/status; mkdir /tmp/x; kill -USR1 $$; unshare -m true; echo done"],
    namespaces: DEFAULT_NAMESPACES,
    seccomp: {
      defaultAction: "SCMP_ACT_ALLOW",
      architectures: ["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"],
      syscalls: [
        { names: ["mkdirat", "mkdir"], action: "SCMP_ACT_ERRNO", errnoRet: 61 },
        { names: ["kill"], action: "SCMP_ACT_ERRNO", errnoRet: 1, args: [{ index: 1, value: 10, op: "SCMP_CMP_EQ" }] },
        { names: ["unshare"], action: "SCMP_ACT_ERRNO", errnoRet: 1 },
      ],
    },
  },
};

export const bundleConfig = (name: string, spec: BundleSpec): Config => {
  const userns = spec.namespaces.includes("user");
  return {
    // 1.0.2 rather than bunker's 1.2.0: Debian's crun 1.8 refuses versions it does not know, and the bench runs it on these bundles.
    ociVersion: "1.0.2",
    root: { path: "rootfs", readonly: true },
    hostname: `board-${name}`,
    process: {
      terminal: false,
      user: { uid: 0, gid: 0 },
      args: spec.args,
      env: ["PATH=/bin", "TERM=dumb"],
      cwd: "/",
      capabilities: { bounding: CAPS, effective: CAPS, permitted: CAPS },
      rlimits: [{ type: "RLIMIT_NOFILE", hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    mounts: [
      { destination: "/proc", type: "proc", source: "proc" },
      { destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"] },
      { destination: "/tmp", type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev", "size=8m"] },
      { destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"] },
      ...(spec.mounts ?? []),
    ],
    linux: {
      namespaces: spec.namespaces.map((type) => ({ type, ...(spec.joins?.[type] ? { path: spec.joins[type] } : {}) })),
      ...(userns
        ? { uidMappings: [{ containerID: 0, hostID: 0, size: 65536 }], gidMappings: [{ containerID: 0, hostID: 0, size: 65536 }] }
        : {}),
      cgroupsPath: `/bunker-board/${name}`,
      ...(spec.resources ? { resources: spec.resources } : {}),
      ...(spec.seccomp ? { seccomp: spec.seccomp } : {}),
      maskedPaths: ["/proc/kcore", "/proc/keys", "/proc/timer_list", "/sys/firmware"],
      readonlyPaths: ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"],
    },
    ...(spec.annotations ? { annotations: spec.annotations } : {}),
  };
};

/** Writes every bundle under `dir` (dir/<name>/config.json and an empty rootfs/ for `fillRootfs`). */
export const writeBundles = (dir: string, fillRootfs: (rootfs: string) => void): void => {
  for (const [name, spec] of Object.entries(BUNDLES)) {
    const bundle = join(dir, name);
    const config = bundleConfig(name, spec);
    parseConfig(structuredClone(config), bundle);
    mkdirSync(join(bundle, "rootfs"), { recursive: true });
    writeFileSync(join(bundle, "config.json"), `${JSON.stringify(config, null, 2)}\n`);
    fillRootfs(join(bundle, "rootfs"));
  }
};
