// Fixtures of the files the memory core reads, in the kernel's formats, on the shared fake cgroupfs (bare layout).
import type { FakeCgroupFs } from "../../fakes/cgroupfs.ts";

const psiText = (some: number, full: number): string =>
  `some avg10=${some.toFixed(2)} avg60=${(some / 2).toFixed(2)} avg300=${(some / 4).toFixed(2)} total=${Math.round(some * 1e5)}\n` +
  `full avg10=${full.toFixed(2)} avg60=${(full / 2).toFixed(2)} avg300=${(full / 4).toFixed(2)} total=${Math.round(full * 1e5)}\n`;

export interface V2Fixture {
  current: number;
  max?: number;
  high?: number;
  someAvg10?: number;
  fullAvg10?: number;
  frozen?: boolean;
  populated?: boolean;
  oomKill?: number;
  procs?: number[];
  /** memory.reclaim and cgroup.kill exist on 5.19+ and 5.14+ kernels; false lays out an older kernel. */
  modern?: boolean;
}

/** A cgroup v2 directory as a 6.1 kernel shows it. */
export const putV2 = (f: FakeCgroupFs, dir: string, x: V2Fixture): void => {
  f.set(`${dir}/memory.current`, `${x.current}\n`);
  f.set(`${dir}/memory.max`, `${x.max ?? "max"}\n`);
  f.set(`${dir}/memory.high`, `${x.high ?? "max"}\n`);
  f.set(`${dir}/memory.low`, "0\n");
  f.set(`${dir}/memory.swap.current`, "0\n");
  f.set(`${dir}/memory.swap.max`, "max\n");
  f.set(`${dir}/memory.events`, `low 0\nhigh 0\nmax 0\noom ${x.oomKill ?? 0}\noom_kill ${x.oomKill ?? 0}\noom_group_kill 0\n`);
  f.set(`${dir}/memory.pressure`, psiText(x.someAvg10 ?? 0, x.fullAvg10 ?? 0));
  f.set(`${dir}/cgroup.events`, `populated ${x.populated === false ? 0 : 1}\nfrozen ${x.frozen ? 1 : 0}\n`);
  f.set(`${dir}/cgroup.freeze`, `${x.frozen ? 1 : 0}\n`);
  f.set(`${dir}/cgroup.procs`, (x.procs ?? []).map((p) => `${p}\n`).join(""));
  if (x.modern !== false) {
    f.set(`${dir}/memory.reclaim`, "");
    f.set(`${dir}/cgroup.kill`, "");
  }
};

/** A cgroup v1 memory directory and its freezer, in the formats of this host's kernel (recorded 2026-11-29). */
export const putV1 = (f: FakeCgroupFs, dirs: { memory: string; freezer: string }, x: { current: number; limit?: number; underOom?: boolean; oomKill?: number; procs?: number[] }): void => {
  const m = dirs.memory;
  f.set(`${m}/memory.usage_in_bytes`, `${x.current}\n`);
  f.set(`${m}/memory.limit_in_bytes`, `${x.limit ?? "9223372036854771712"}\n`);
  f.set(`${m}/memory.soft_limit_in_bytes`, "9223372036854771712\n");
  f.set(`${m}/memory.memsw.usage_in_bytes`, `${x.current}\n`);
  f.set(`${m}/memory.failcnt`, "0\n");
  f.set(`${m}/memory.oom_control`, `oom_kill_disable 0\nunder_oom ${x.underOom ? 1 : 0}\noom_kill ${x.oomKill ?? 0}\n`);
  f.set(`${m}/cgroup.procs`, (x.procs ?? []).map((p) => `${p}\n`).join(""));
  f.set(`${dirs.freezer}/freezer.state`, "THAWED\n");
};

/** /proc/meminfo and /proc/pressure/memory of a 256 MiB board. */
export const putSystem = (f: FakeCgroupFs, x: { availableMiB: number; someAvg10?: number; fullAvg10?: number; totalMiB?: number }): void => {
  const kb = (mib: number) => `${String(mib * 1024).padStart(8)} kB`;
  f.set(
    "/proc/meminfo",
    [`MemTotal:       ${kb(x.totalMiB ?? 256)}`, `MemFree:        ${kb(Math.floor(x.availableMiB / 2))}`, `MemAvailable:   ${kb(x.availableMiB)}`,
      `Buffers:        ${kb(1)}`, `Cached:         ${kb(20)}`, `SwapTotal:      ${kb(128)}`, `SwapFree:       ${kb(100)}`].join("\n") + "\n",
  );
  f.set("/proc/pressure/memory", psiText(x.someAvg10 ?? 0, x.fullAvg10 ?? 0));
};
