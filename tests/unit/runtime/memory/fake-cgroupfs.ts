// An oomd-style fake cgroupfs: a temporary directory holding the files the kernel would show, in the kernel's formats,
// plus a recording killer. Writes land in the files, so a test reads back what the code wrote.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { hostCgroupFs, type CgroupFs } from "../../../../runtime/cgroups/fs.ts";

export interface FakeCgroupFs {
  fs: CgroupFs;
  root: string;
  kills: { pid: number; signal: string }[];
  put(path: string, text: string): void;
  get(path: string): string;
  cleanup(): void;
}

export const fakeCgroupFs = (): FakeCgroupFs => {
  const root = mkdtempSync(join(tmpdir(), "bunker-memory-"));
  const kills: FakeCgroupFs["kills"] = [];
  const put = (path: string, text: string): void => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  const host = hostCgroupFs(root);
  const fs: CgroupFs = {
    ...host,
    // A cgroupfs file shows the value last written, so the fake replaces the content; it never creates a file.
    write: (path, data) => {
      if (!host.exists(path)) throw Object.assign(new Error(`ENOENT: no such file, open '${path}'`), { code: "ENOENT" });
      writeFileSync(join(root, path), data);
    },
    kill: (pid, signal) => void kills.push({ pid, signal }),
  };
  return { fs, root, kills, put, get: (p) => readFileSync(join(root, p), "utf8"), cleanup: () => rmSync(root, { recursive: true, force: true }) };
};

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
  f.put(`${dir}/memory.current`, `${x.current}\n`);
  f.put(`${dir}/memory.max`, `${x.max ?? "max"}\n`);
  f.put(`${dir}/memory.high`, `${x.high ?? "max"}\n`);
  f.put(`${dir}/memory.low`, "0\n");
  f.put(`${dir}/memory.swap.current`, "0\n");
  f.put(`${dir}/memory.swap.max`, "max\n");
  f.put(`${dir}/memory.events`, `low 0\nhigh 0\nmax 0\noom ${x.oomKill ?? 0}\noom_kill ${x.oomKill ?? 0}\noom_group_kill 0\n`);
  f.put(`${dir}/memory.pressure`, psiText(x.someAvg10 ?? 0, x.fullAvg10 ?? 0));
  f.put(`${dir}/cgroup.events`, `populated ${x.populated === false ? 0 : 1}\nfrozen ${x.frozen ? 1 : 0}\n`);
  f.put(`${dir}/cgroup.freeze`, `${x.frozen ? 1 : 0}\n`);
  f.put(`${dir}/cgroup.procs`, (x.procs ?? []).map((p) => `${p}\n`).join(""));
  if (x.modern !== false) {
    f.put(`${dir}/memory.reclaim`, "");
    f.put(`${dir}/cgroup.kill`, "");
  }
};

/** A cgroup v1 memory directory and its freezer, in the formats of this host's kernel (recorded 2026-11-29). */
export const putV1 = (f: FakeCgroupFs, dirs: { memory: string; freezer: string }, x: { current: number; limit?: number; underOom?: boolean; oomKill?: number; procs?: number[] }): void => {
  const m = dirs.memory;
  f.put(`${m}/memory.usage_in_bytes`, `${x.current}\n`);
  f.put(`${m}/memory.limit_in_bytes`, `${x.limit ?? "9223372036854771712"}\n`);
  f.put(`${m}/memory.soft_limit_in_bytes`, "9223372036854771712\n");
  f.put(`${m}/memory.memsw.usage_in_bytes`, `${x.current}\n`);
  f.put(`${m}/memory.failcnt`, "0\n");
  f.put(`${m}/memory.oom_control`, `oom_kill_disable 0\nunder_oom ${x.underOom ? 1 : 0}\noom_kill ${x.oomKill ?? 0}\n`);
  f.put(`${m}/cgroup.procs`, (x.procs ?? []).map((p) => `${p}\n`).join(""));
  f.put(`${dirs.freezer}/freezer.state`, "THAWED\n");
};

/** /proc/meminfo and /proc/pressure/memory of a 256 MiB board. */
export const putSystem = (f: FakeCgroupFs, x: { availableMiB: number; someAvg10?: number; fullAvg10?: number; totalMiB?: number }): void => {
  const kb = (mib: number) => `${String(mib * 1024).padStart(8)} kB`;
  f.put(
    "/proc/meminfo",
    [`MemTotal:       ${kb(x.totalMiB ?? 256)}`, `MemFree:        ${kb(Math.floor(x.availableMiB / 2))}`, `MemAvailable:   ${kb(x.availableMiB)}`,
      `Buffers:        ${kb(1)}`, `Cached:         ${kb(20)}`, `SwapTotal:      ${kb(128)}`, `SwapFree:       ${kb(100)}`].join("\n") + "\n",
  );
  f.put("/proc/pressure/memory", psiText(x.someAvg10 ?? 0, x.fullAvg10 ?? 0));
};
