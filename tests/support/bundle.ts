// Throwaway OCI bundles for tests and benchmarks: a busybox rootfs (Debian's busybox-static) and a config.json.
import { chmodSync, copyFileSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { makeTemp } from "./temp.ts";
import { join } from "node:path";

export const BUSYBOX = "/bin/busybox";

const APPLETS = ["sh", "true", "false", "cat", "echo", "hostname", "id", "ls", "mount", "ps", "sleep", "grep", "nproc", "mknod", "head", "touch", "stat", "date", "env", "kill", "wc", "dd", "readlink", "uname", "awk", "tr", "sed", "cut", "ip", "ionice"];

/** A rootfs with busybox and its applets under /bin, plus the usual empty mount points. */
export const makeRootfs = (rootfs: string): void => {
  for (const d of ["bin", "proc", "sys", "dev", "tmp", "etc", "root", "state"]) mkdirSync(join(rootfs, d), { recursive: true });
  copyFileSync(BUSYBOX, join(rootfs, "bin/busybox"));
  for (const a of APPLETS) symlinkSync("busybox", join(rootfs, "bin", a));
  writeFileSync(join(rootfs, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n");
  writeFileSync(join(rootfs, "etc/group"), "root:x:0:\nnobody:x:65534:\n");
};

/** The config `runc spec` writes, without a terminal, running `args`. */
export const baseConfig = (args: string[]) => ({
  ociVersion: "1.2.0",
  process: {
    terminal: false,
    user: { uid: 0, gid: 0 },
    args,
    env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"],
    cwd: "/",
    capabilities: {
      bounding: ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
      effective: ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
      permitted: ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
    },
    rlimits: [{ type: "RLIMIT_NOFILE", hard: 1024, soft: 1024 }],
    noNewPrivileges: true,
  },
  root: { path: "rootfs", readonly: true },
  hostname: "bunker",
  mounts: [
    { destination: "/proc", type: "proc", source: "proc" },
    { destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"] },
    { destination: "/dev/pts", type: "devpts", source: "devpts", options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"] },
    { destination: "/dev/shm", type: "tmpfs", source: "shm", options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"] },
    { destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"] },
    { destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"] },
    { destination: "/tmp", type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev", "mode=1777"] },
  ],
  linux: {
    namespaces: [{ type: "pid" }, { type: "network" }, { type: "ipc" }, { type: "uts" }, { type: "mount" }],
    maskedPaths: ["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi"],
    readonlyPaths: ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"],
  },
});

export type TestConfig = ReturnType<typeof baseConfig> & Record<string, unknown>;

/** A bundle directory (in `parent`, or a new temp dir) holding rootfs/ and the config `edit` returns. */
export const makeBundle = (args: string[], edit: (c: TestConfig) => unknown = (c) => c, parent?: string): string => {
  const dir = parent ?? makeTemp("bunker-bundle-");
  mkdirSync(dir, { recursive: true });
  // Reachable by a container's mapped root in a user namespace, as for any runtime.
  chmodSync(dir, 0o755);
  makeRootfs(join(dir, "rootfs"));
  writeFileSync(join(dir, "config.json"), JSON.stringify(edit(baseConfig(args)), null, 2));
  return dir;
};

if (import.meta.main) {
  const [dir, ...args] = process.argv.slice(2);
  if (!dir) {
    console.error("usage: bun tests/support/bundle.ts DIR [args...]");
    process.exit(2);
  }
  mkdirSync(dir, { recursive: true });
  makeBundle(args.length ? args : ["sh"], (c) => c, dir);
  console.log(dir);
}
