// A temporary directory laid out like cgroupfs (hybrid, v1 or v2, or bare: only the files a test sets), behind the
// CgroupFs interface. It keeps the few kernel behaviours bunker relies on (new directories come with their interface
// files, subtree_control feeds the children's cgroup.controllers, freezing and cgroup.kill take effect at once, a
// killed process leaves its cgroups) and logs every write and kill. Writing a file that does not exist fails with
// ENOENT, as on cgroupfs, so code that writes a wrong name fails the test.
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { posix } from "node:path";
import { hostCgroupFs, type CgroupFs } from "../../../runtime/cgroups/fs.ts";

const V1_FILES: Record<string, Record<string, string>> = {
  memory: {
    "memory.limit_in_bytes": "9223372036854771712", "memory.memsw.limit_in_bytes": "9223372036854771712",
    "memory.soft_limit_in_bytes": "9223372036854771712", "memory.swappiness": "60",
    "memory.oom_control": "oom_kill_disable 0\nunder_oom 0\noom_kill 0", "memory.usage_in_bytes": "0",
    "memory.max_usage_in_bytes": "0", "memory.failcnt": "0", "memory.memsw.usage_in_bytes": "0",
    "memory.memsw.max_usage_in_bytes": "0", "memory.memsw.failcnt": "0", "memory.kmem.tcp.limit_in_bytes": "9223372036854771712",
    "memory.stat": "cache 4096\nrss 8192\ntotal_cache 4096\nactive_anon 8192\ninactive_file 4096", "cgroup.event_control": "",
  },
  cpu: {
    "cpu.shares": "1024", "cpu.cfs_period_us": "100000", "cpu.cfs_quota_us": "-1", "cpu.cfs_burst_us": "0",
    "cpu.rt_period_us": "1000000", "cpu.rt_runtime_us": "0", "cpu.idle": "0",
    "cpu.stat": "nr_periods 10\nnr_throttled 2\nthrottled_time 5000",
  },
  cpuacct: { "cpuacct.usage": "3000", "cpuacct.usage_percpu": "1000 2000 ", "cpuacct.stat": "user 1\nsystem 2" },
  cpuset: { "cpuset.cpus": "", "cpuset.mems": "" },
  devices: { "devices.allow": "", "devices.deny": "", "devices.list": "a *:* rwm" },
  freezer: { "freezer.state": "THAWED" },
  blkio: {
    "blkio.bfq.weight": "100", "blkio.bfq.weight_device": "", "blkio.throttle.read_bps_device": "",
    "blkio.throttle.write_bps_device": "", "blkio.throttle.read_iops_device": "", "blkio.throttle.write_iops_device": "",
    "blkio.throttle.io_service_bytes_recursive": "8:0 Read 4096\n8:0 Write 512\nTotal 4608",
    "blkio.throttle.io_serviced_recursive": "8:0 Read 2\n8:0 Write 1\nTotal 3",
  },
  pids: { "pids.max": "max", "pids.current": "0" },
};

/** v1 hierarchies this build machine does not mount, for FakeOptions.extraV1. */
const EXTRA_V1_FILES: Record<string, Record<string, string>> = {
  net_cls: { "net_cls.classid": "0" },
  net_prio: { "net_prio.ifpriomap": "lo 0\neth0 0", "net_prio.prioidx": "1" },
  hugetlb: {
    "hugetlb.2MB.limit_in_bytes": "9223372036854771712", "hugetlb.2MB.usage_in_bytes": "4194304",
    "hugetlb.2MB.max_usage_in_bytes": "6291456", "hugetlb.2MB.failcnt": "2",
  },
};

const V2_FILES: Record<string, string> = {
  "cgroup.subtree_control": "", "cgroup.freeze": "0", "cgroup.events": "populated 0\nfrozen 0", "cgroup.kill": "",
  "memory.max": "max", "memory.low": "0", "memory.high": "max", "memory.min": "0", "memory.swap.max": "max",
  "memory.current": "0", "memory.swap.current": "0", "memory.events": "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1",
  "memory.stat": "anon 8192\nfile 4096", "memory.peak": "16384",
  "cpu.weight": "100", "cpu.max": "max 100000", "cpu.max.burst": "0", "cpu.idle": "0",
  "cpu.stat": "usage_usec 7\nuser_usec 4\nsystem_usec 3\nnr_periods 5\nnr_throttled 1\nthrottled_usec 2",
  "cpuset.cpus": "", "cpuset.mems": "", "pids.max": "max", "pids.current": "1", "io.max": "", "io.weight": "default 100",
  "io.stat": "8:0 rbytes=4096 wbytes=512 rios=2 wios=1 dbytes=0 dios=0", "hugetlb.2MB.max": "max",
  "hugetlb.2MB.current": "0", "hugetlb.2MB.events": "max 0", "rdma.max": "",
  "cpu.pressure": "some avg10=1.50 avg60=0.00 avg300=0.00 total=42\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0",
  "memory.pressure": "some avg10=0.00 avg60=0.00 avg300=0.00 total=7\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=3",
};

export type FakeLayout = "v1" | "v2" | "hybrid";

export interface FakeOptions {
  /** Absent: a bare tree holding only what the test sets (the memory core's and zram's files). */
  layout?: FakeLayout;
  /** The process's own cgroup per hierarchy (default "/"); "" is the unified one. */
  own?: Record<string, string>;
  /** Controllers the unified root offers (v2: all of bunker's; hybrid: hugetlb, as on this host). */
  v2Controllers?: string[];
  /** More v1 hierarchies to mount: net_cls, net_prio, hugetlb. */
  extraV1?: string[];
}

export class FakeCgroupFs implements CgroupFs {
  readonly root = mkdtempSync(posix.join(tmpdir(), "bunker-cgfs-"));
  readonly writes: { path: string; data: string }[] = [];
  /** Processes killed, by cgroup.kill or by a signal. */
  readonly killed: number[] = [];
  /** Processes bunker itself sent SIGKILL to (CgroupFs.kill). */
  readonly signalled: number[] = [];
  readonly filters: { dir: string; program: Uint8Array }[] = [];
  /** Errors to throw on the next write to a file name (consumed once each). */
  readonly failNext = new Map<string, string>();
  private readonly host = hostCgroupFs(this.root);
  private readonly v1Mounts: string[] = [];

  constructor(readonly opts: FakeOptions = {}) {
    if (!opts.layout) return;
    const mounts: string[] = [];
    const cgroupLines: string[] = [];
    let n = 30;
    if (opts.layout !== "v2") {
      [...Object.keys(V1_FILES), ...(opts.extraV1 ?? [])].forEach((c, i) => {
        const mp = `/sys/fs/cgroup/${c}`;
        this.v1Mounts.push(mp);
        mounts.push(`${n++} 20 0:${n} / ${mp} rw,relatime - cgroup cgroup rw,${c}`);
        cgroupLines.push(`${i + 1}:${c}:${opts.own?.[c] ?? "/"}`);
        this.populate(mp, true);
        if (c === "cpuset") {
          this.host.write(`${mp}/cpuset.cpus`, "0-3");
          this.host.write(`${mp}/cpuset.mems`, "0");
        }
      });
      // The named hierarchy systemd keeps (no controller), joined by containers as runc's are.
      this.v1Mounts.push("/sys/fs/cgroup/systemd");
      mounts.push(`${n++} 20 0:${n} / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd`);
      cgroupLines.push(`${cgroupLines.length + 1}:name=systemd:${opts.own?.["name=systemd"] ?? "/"}`);
      this.populate("/sys/fs/cgroup/systemd", true);
    }
    if (opts.layout !== "v1") {
      const mp = opts.layout === "v2" ? "/sys/fs/cgroup" : "/sys/fs/cgroup/unified";
      mounts.push(`${n++} 20 0:${n} / ${mp} rw,relatime - cgroup2 cgroup2 rw`);
      cgroupLines.push(`0::${opts.own?.[""] ?? "/"}`);
      this.populate(mp, true);
      const offered = opts.v2Controllers ?? (opts.layout === "v2" ? ["cpuset", "cpu", "io", "memory", "hugetlb", "pids", "rdma"] : ["hugetlb"]);
      writeFileSync(this.root + `${mp}/cgroup.controllers`, offered.join(" "));
    }
    mkdirSync(`${this.root}/proc/self`, { recursive: true });
    writeFileSync(`${this.root}/proc/self/mountinfo`, `${mounts.join("\n")}\n`);
    writeFileSync(`${this.root}/proc/self/cgroup`, `${cgroupLines.join("\n")}\n`);
  }

  private v1Controller(path: string): string | undefined {
    return this.v1Mounts.find((mp) => path === mp || path.startsWith(`${mp}/`))?.split("/").pop();
  }

  /** Lays out a new cgroup directory with its interface files. */
  private populate(dir: string, isRoot: boolean): void {
    mkdirSync(this.root + dir, { recursive: true });
    const c = this.v1Controller(dir);
    const files: Record<string, string> = c ? { ...(V1_FILES[c] ?? EXTRA_V1_FILES[c]), tasks: "" } : { ...V2_FILES, "cgroup.controllers": "" };
    files["cgroup.procs"] = "";
    if (!c && isRoot) delete files["cgroup.kill"];
    for (const [name, text] of Object.entries(files)) writeFileSync(`${this.root}${dir}/${name}`, text);
  }

  read(path: string): string {
    const dir = posix.dirname(path);
    // A v2 child offers what its parent enables, at every moment.
    if (posix.basename(path) === "cgroup.controllers" && !this.v1Controller(dir) && this.exists(`${posix.dirname(dir)}/cgroup.subtree_control`)) {
      return this.host.read(`${posix.dirname(dir)}/cgroup.subtree_control`);
    }
    return this.host.read(path);
  }

  write(path: string, data: string): void {
    const name = posix.basename(path);
    const fail = this.failNext.get(name);
    if (fail) {
      this.failNext.delete(name);
      throw Object.assign(new Error(`${fail}: ${path}`), { code: fail });
    }
    const before = this.host.read(path); // ENOENT for a file the kernel would not have
    this.writes.push({ path, data });
    const dir = posix.dirname(path);
    const file = this.root + path;
    if (name === "cgroup.procs") {
      const pids = new Set(before.split("\n").filter(Boolean));
      pids.add(data);
      writeFileSync(file, [...pids].join("\n"));
    } else if (name === "cgroup.subtree_control") {
      const on = new Set(before.split(/\s+/).filter(Boolean));
      for (const w of data.split(/\s+/)) if (w.startsWith("+")) on.add(w.slice(1));
      else if (w.startsWith("-")) on.delete(w.slice(1));
      writeFileSync(file, [...on].join(" "));
    } else if (name === "cgroup.freeze") {
      writeFileSync(`${this.root}${dir}/cgroup.events`, `populated 1\nfrozen ${data.trim()}`);
      writeFileSync(file, data);
    } else if (name === "cgroup.kill") {
      for (const pid of this.read(`${dir}/cgroup.procs`).split("\n").filter(Boolean)) this.killed.push(Number(pid));
      writeFileSync(`${this.root}${dir}/cgroup.procs`, "");
    } else if (["devices.allow", "devices.deny", "memory.oom_control", "cgroup.event_control"].includes(name)) {
      appendFileSync(`${file}.log`, `${data}\n`); // keep the file itself as the kernel shows it
    } else {
      writeFileSync(file, data);
    }
  }

  /** Sets a file's content as the kernel would report it (usage counters, devices.list...), creating its folder. */
  set(path: string, text: string): void {
    mkdirSync(posix.dirname(this.root + path), { recursive: true });
    writeFileSync(this.root + path, text);
  }

  /** A file's content, as a test reads back what the code wrote. */
  get(path: string): string {
    return readFileSync(this.root + path, "utf8");
  }

  exists(path: string): boolean {
    return this.host.exists(path);
  }

  mkdir(path: string): void {
    if (!this.exists(posix.dirname(path))) throw Object.assign(new Error(`ENOENT: ${path}`), { code: "ENOENT" });
    this.populate(path, false);
  }

  rmdir(path: string): void {
    if (!this.exists(path)) throw Object.assign(new Error(`ENOENT: ${path}`), { code: "ENOENT" });
    if (this.read(`${path}/cgroup.procs`).trim()) throw Object.assign(new Error(`EBUSY: ${path}`), { code: "EBUSY" });
    rmSync(this.root + path, { recursive: true });
  }

  list(path: string): string[] {
    return this.host.list(path);
  }

  kill(pid: number): void {
    this.signalled.push(pid);
    this.killed.push(pid);
    // The process leaves every cgroup it was in.
    for (const w of this.writes.filter((x) => posix.basename(x.path) === "cgroup.procs" && x.data === String(pid))) {
      if (!this.exists(w.path)) continue;
      const left = this.read(w.path).split("\n").filter((p) => p && p !== String(pid));
      writeFileSync(this.root + w.path, left.join("\n"));
    }
  }

  setDeviceFilter(dir: string, program: Uint8Array): void {
    this.filters.push({ dir, program });
  }

  real(path: string): string {
    return this.root + path;
  }

  /** The writes to files named `name`, as [path, data]. */
  writesTo(name: string): [string, string][] {
    return this.writes.filter((w) => posix.basename(w.path) === name).map((w) => [w.path, w.data]);
  }

  cleanup(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}
