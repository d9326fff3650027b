// A fake board for the check's tests: files laid out below a temporary root, and kernel probes that record their calls.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { KernelProbes, ProbeResult, SystemView } from "../../../../board/check/system.ts";
import { rootedView } from "../../../../board/check/system.ts";

export type Tree = Record<string, string | Uint8Array>;

/** Files of the emulated Cortex-A53 board (cgroup v2, PSI, Debian's 6.1 kernel), as the check reads them. */
export const a53Board = (): Tree => ({
  "/proc/sys/kernel/osrelease": "6.1.0-57-arm64\n",
  "/proc/sys/kernel/arch": "aarch64\n",
  "/proc/cpuinfo": ["processor\t: 0", "Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 cpuid", "CPU part\t: 0xd03", "", "processor\t: 1", "Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 cpuid", "CPU part\t: 0xd03", ""].join("\n"),
  "/proc/meminfo": "MemTotal:         229600 kB\nMemFree:          150000 kB\n",
  ...Object.fromEntries(["mnt", "pid", "uts", "ipc", "net", "cgroup", "user", "time"].map((n) => [`/proc/self/ns/${n}`, ""])),
  ...Object.fromEntries(["mnt", "pid", "uts", "ipc", "net", "cgroup", "user", "time"].map((n) => [`/proc/sys/user/max_${n}_namespaces`, "1791\n"])),
  "/proc/self/mountinfo": [
    "22 1 254:0 / / rw,noatime - ext4 /dev/vda rw",
    "23 22 0:21 / /proc rw - proc proc rw",
    "25 24 0:23 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 rw,nsdelegate",
  ].join("\n"),
  "/proc/self/cgroup": "0::/\n",
  "/sys/fs/cgroup/cgroup.controllers": "cpuset cpu io memory hugetlb pids rdma misc\n",
  "/sys/fs/cgroup/cgroup.procs": "1\n",
  "/sys/fs/cgroup/app/cgroup.procs": "",
  "/sys/fs/cgroup/app/cgroup.kill": "",
  "/sys/fs/cgroup/app/memory.reclaim": "",
  "/sys/fs/cgroup/app/memory.pressure": "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n",
  "/proc/pressure/cpu": "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n",
  "/proc/pressure/memory": "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n",
  "/proc/pressure/io": "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n",
  "/proc/self/status": "Name:\tbunker\nSeccomp:\t0\nSeccomp_filters:\t0\n",
  "/proc/sys/kernel/seccomp/actions_avail": "kill_process kill_thread trap errno user_notif trace log allow\n",
  "/proc/filesystems": "nodev\tsysfs\nnodev\tproc\nnodev\tcgroup2\n\text4\nnodev\toverlay\n\tsquashfs\n\terofs\n",
  "/sys/module/loop/parameters/max_loop": "0\n",
  "/sys/class/zram-control/hot_add": "",
  "/sys/module/zswap/parameters/enabled": "N\n",
});

const written: string[] = [];

/** Removes every tree written so far: each test file using these fakes calls it in afterAll. */
export const removeTrees = (): void => {
  for (const root of written.splice(0)) rmSync(root, { recursive: true, force: true });
};

/** Writes `tree` below a fresh temporary directory and returns that directory. */
export const writeTree = (tree: Tree): string => {
  const root = mkdtempSync(join(tmpdir(), "board-check-"));
  written.push(root);
  for (const [path, content] of Object.entries(tree)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
};

export interface FakeProbes extends KernelProbes {
  calls: string[];
}

/** Probes that answer as told and record each call; a PSI trigger on any file but /proc/pressure/memory fails the test. */
/** `criu check` as Debian's CRIU 3.17 answers on the emulated board: basic check good, no soft-dirty tracking. */
export const BOARD_CRIU = (args: readonly string[]) =>
  args.includes("mem_dirty_track") ? { version: "3.17.1", ok: false, output: "" } : { version: "3.17.1", ok: true, output: "Looks good." };

export const fakeProbes = (
  answers: { pidfd?: ProbeResult; psi?: ProbeResult; seccompFlags?: number; criu?: KernelProbes["criu"]; socketPolicy?: ProbeResult } = {},
): FakeProbes => {
  const calls: string[] = [];
  return {
    calls,
    pidfdOpen: () => {
      calls.push("pidfd_open");
      return answers.pidfd ?? { ok: true };
    },
    seccompFilterFlag: (flag) => {
      calls.push(`seccomp ${flag}`);
      return (flag & (answers.seccompFlags ?? 63)) === flag ? { ok: true } : { ok: false, errno: "EINVAL" };
    },
    socketPolicyProgram: () => {
      calls.push("socket policy program");
      return answers.socketPolicy ?? { ok: true };
    },
    psiTrigger: (path) => {
      calls.push(`psi ${path}`);
      if (path !== "/proc/pressure/memory") throw new Error(`Unexpected PSI trigger on '${path}'`);
      return answers.psi ?? { ok: true };
    },
    criu: (args) => {
      calls.push(`criu check ${args.join(" ")}`.trim());
      return (answers.criu ?? BOARD_CRIU)(args);
    },
  };
};

export const fakeView = (tree: Tree, probes: KernelProbes = fakeProbes()): SystemView => rootedView(writeTree(tree), probes);
