// Side-by-side figures on the emulated board: bunker (glibc and musl) against Debian's arm64 crun and runc, each doing
// foreground `run`s of the same busybox bundle and then one `run` sampled for RSS while its container sleeps.
// usage: bun board/bench-run.ts [--runs N] [--no-build]
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { BUILD_DIR, buildDisk, CACHE_DIR, prepareBase } from "./assemble.ts";
import { Debian } from "./debian.ts";
import { BOARD_PATHS } from "./disk-tree.ts";
import { buildExecutables, builtExecutables, onBoard } from "./executables.ts";
import { runJob } from "./job.ts";
import { PEERS, PEERS_BIN, preparePeers } from "./peers.ts";
import { median } from "./median.ts";
import { loadProfile } from "./profile.ts";

export interface BenchRow {
  runtime: string;
  runsMs: number[];
  failures: string[];
  rss: Record<string, number>;
}

const msOf = (ms: number | undefined): string | number => (ms === undefined ? "-" : Math.round(ms));

/** Reads the `BOARD-BENCH <runtime> key=value...` lines of tests/board/bench-run.sh, in the order runtimes appear. */
export const parseBench = (lines: readonly string[]): BenchRow[] => {
  const rows = new Map<string, BenchRow>();
  for (const line of lines) {
    const m = /^BOARD-BENCH (\S+) (.*)$/.exec(line);
    if (!m) continue;
    const row = rows.get(m[1]!) ?? { runtime: m[1]!, runsMs: [], failures: [], rss: {} };
    rows.set(row.runtime, row);
    const run = /^run_ms=(\d+)$/.exec(m[2]!);
    if (run) row.runsMs.push(Number(run[1]));
    else if (m[2]!.startsWith("run_failed=")) row.failures.push(m[2]!);
    else for (const [, k, v] of m[2]!.matchAll(/(\w+)=(\d+)/g)) row.rss[k!] = Number(v);
  }
  return [...rows.values()];
};

export const renderBench = (rows: readonly BenchRow[]): string =>
  [
    "runtime       runs  median ms  min ms  idle RSS kB  peak RSS kB  idle anon kB",
    ...rows.map((r) =>
      [
        r.runtime.padEnd(12),
        `${r.runsMs.length}/${r.runsMs.length + r.failures.length}`.padStart(5),
        String(msOf(median(r.runsMs))).padStart(10),
        String(r.runsMs.length ? Math.min(...r.runsMs) : "-").padStart(7),
        String(r.rss.idle_rss_kb ?? "-").padStart(12),
        String(r.rss.peak_rss_kb ?? "-").padStart(12),
        String(r.rss.idle_anon_kb ?? "-").padStart(13),
      ].join(" "),
    ),
  ].join("\n");

if (import.meta.main) {
  const i = process.argv.indexOf("--runs");
  const runs = i >= 0 ? Number(process.argv[i + 1]) : 5;
  const log = (l: string) => console.error(`bench-run: ${l}`);
  if (!process.argv.includes("--no-build")) buildExecutables();
  const profile = loadProfile("qemu-virt-a53");
  const base = prepareBase(log);
  const disk = join(BUILD_DIR, "bench-run.img");
  buildDisk(base, profile, builtExecutables(), disk, preparePeers(new Debian(CACHE_DIR, log)));
  const runtimes = [`bunker=${onBoard("glibc")}`, `bunker-musl=${onBoard("musl")}`, ...Object.keys(PEERS).map((p) => `${p}=${PEERS_BIN}/${p}`)];
  const end = await runJob({
    profile,
    base,
    disk,
    name: "bench-run",
    script: `sh ${BOARD_PATHS.suite}/bench-run.sh ${BOARD_PATHS.bundles} ${runs} ${runtimes.join(" ")}\n`,
    onLine: (l) => /^BOARD-BENCH /.test(l.text) && log(l.text),
    timeoutMs: 10 * 60_000,
  });
  const rows = parseBench(end.lines.map((l) => l.text));
  writeFileSync(join(CACHE_DIR, "bench-run.json"), `${JSON.stringify({ profile: profile.name, runs, rows }, null, 2)}\n`);
  console.log(`${profile.name}: ${runs} foreground runs of a busybox container each (emulated Cortex-A53, TCG)\n${renderBench(rows)}`);
  process.exitCode = end.jobExit === 0 && rows.every((r) => r.runsMs.length > 0) ? 0 : 1;
}
