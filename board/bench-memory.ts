// bench:memory: the memory core's scenarios on the emulated board (256 MiB, zram on), side by side with the kernel
// alone and with earlyoom (Debian's arm64 package, default settings):
//   hog      a critical container, a normal one and a background hog; kernel OOM kills, survival, kills by class, and
//            the daemon's signal-to-action latency; --runs times each way
//   reclaim  a container touching 100 MiB then idling, reclaim on: its memory.current over 3 minutes
//   idle     the daemon with 10 idle containers: RSS and wake-ups per second, next to earlyoom's
//   limit    a container writing 150 MB to the disk through a 16 MiB limit beside an idle bystander: whether the
//            system's PSI triggers take one container's reclaim at its own limit for the system's (what the daemon did)
// usage: bun board/bench-memory.ts [--runs N] [--modes kernel,earlyoom,bunker,bunker-unlocked] [--scenarios idle,reclaim,hog,limit]
//        [--no-build]
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BUILD_DIR, buildDisk, CACHE_DIR, prepareBase, REPO_ROOT } from "./assemble.ts";
import { BUNDLES, bundleConfig } from "./bundles.ts";
import { Debian } from "./debian.ts";
import { BOARD_PATHS } from "./disk-tree.ts";
import { runJob } from "./job.ts";
import { median } from "./median.ts";
import { loadProfile } from "./profile.ts";
import type { Config } from "../runtime/spec/config.ts";

const ROOTFS = `${BOARD_PATHS.bundles}/sleeper/rootfs`;
const NS = ["pid", "ipc", "uts", "mount"] as const;

/** The bench's bundles: the suite's busybox rootfs (its busybox has every applet), bunker's annotations, /bench cgroups. */
const bench = (name: string, args: string[], annotations: Record<string, string>, tmpMiB = 8): Config => {
  const c = bundleConfig(name, { args, namespaces: NS });
  return {
    ...c,
    root: { path: ROOTFS, readonly: true },
    annotations,
    mounts: (c.mounts ?? []).map((m) => (m.destination === "/tmp" ? { ...m, options: ["nosuid", "nodev", `size=${tmpMiB}m`] } : m)),
    linux: { ...c.linux, cgroupsPath: `/bench/${name}` },
  };
};

const BENCH_BUNDLES: Record<string, Config> = {
  // A small steady working set: its own binary's pages, read five times a second.
  critical: bench("critical", ["/bin/sh", "-c", "while :; do cat /bin/busybox > /dev/null; sleep 0.2; done"], { "bunker.memory.class": "critical" }),
  normal: bench("normal", ["/bin/sleep", "600"], {}),
  // Random bytes without newlines: tail keeps all of them, growing until stopped, and zram cannot squeeze them.
  hog: bench("hog", ["/bin/sh", "-c", "/bin/busybox tr -d '\\n' < /dev/urandom | /bin/tail"], { "bunker.memory.class": "background" }),
  reclaim: bench(
    "reclaim",
    ["/bin/sh", "-c", "dd if=/dev/urandom of=/tmp/a bs=1M count=50 2>/dev/null; dd if=/dev/zero of=/tmp/b bs=1M count=50 2>/dev/null; exec sleep 600"],
    { "bunker.reclaim": "on", "bunker.reclaim.target": "0.5%" },
    128,
  ),
  idle: bench("idle", ["/bin/sleep", "600"], {}),
  bystander: bench("bystander", ["/bin/sleep", "600"], {}),
  // The board suite's writer, in the bench's rootfs and cgroup.
  writer: ((c: Config): Config => ({ ...c, root: { path: ROOTFS, readonly: true }, linux: { ...c.linux, cgroupsPath: "/bench/writer" } }))(bundleConfig("writer", BUNDLES.writer!)),
};

const option = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
};

const prelude = (runs: number, modes: string[], scenarios: string[]): string =>
  [
    `B=${BOARD_PATHS.bin}/bunker`,
    `EARLYOOM=${BOARD_PATHS.bin}/earlyoom`,
    `RUNS=${runs}`,
    `MODES="${modes.join(" ")}"`,
    `SCENARIOS="${scenarios.join(" ")}"`,
    ...Object.entries(BENCH_BUNDLES).flatMap(([name, config]) => [
      `mkdir -p /run/bench/${name}`,
      `cat > /run/bench/${name}/config.json <<'BUNDLE'`,
      JSON.stringify(config),
      "BUNDLE",
    ]),
    "",
  ].join("\n");

/** "BENCH hog mode=bunker run=1 a=b ..." -> { scenario: "hog", fields }. */
const parseLine = (text: string): { scenario: string; fields: Record<string, string>; rest: string } | undefined => {
  const m = /^BENCH (\S+) ?(.*)$/.exec(text);
  if (!m) return undefined;
  const fields: Record<string, string> = {};
  for (const kv of (m[2] ?? "").matchAll(/(\w+)=(\S+)/g)) fields[kv[1]!] = kv[2]!;
  return { scenario: m[1]!, fields, rest: m[2] ?? "" };
};

const main = async (): Promise<number> => {
  const runs = Number(option("--runs", "10"));
  const modes = option("--modes", "kernel,earlyoom,bunker").split(",");
  const scenarios = option("--scenarios", "idle,reclaim,hog").split(",");
  const log = (l: string): void => console.error(`bench-memory: ${l}`);
  if (!process.argv.includes("--no-build")) {
    const p = Bun.spawnSync([process.execPath, "build.ts", "bunker-linux-arm64"], { cwd: REPO_ROOT, stdout: "inherit", stderr: "inherit" });
    if (p.exitCode !== 0) throw new Error("Build the arm64 executable: 'bun build.ts bunker-linux-arm64' failed");
  }
  const profile = loadProfile("qemu-virt-a53");
  const base = prepareBase(log);
  const earlyoom = join(new Debian(CACHE_DIR, log).unpack("earlyoom"), "usr/bin/earlyoom");
  const disk = join(BUILD_DIR, "bench-memory.img");
  buildDisk(base, profile, { bunker: join(REPO_ROOT, "dist/bunker-linux-arm64"), earlyoom }, disk);
  const script = prelude(runs, modes, scenarios) + readFileSync(join(import.meta.dir, "bench-memory-guest.sh"), "utf8");
  const results: ReturnType<typeof parseLine>[] = [];
  const consoleLog: string[] = [];
  const end = await runJob({
    profile, base, disk, script, name: "bench-memory", timeoutMs: 120 * 60_000,
    onLine: (l) => {
      consoleLog.push(l.text);
      const r = parseLine(l.text);
      if (r) {
        results.push(r);
        console.log(l.text);
      }
    },
  });
  writeFileSync(join(CACHE_DIR, "bench-memory.console.log"), `${consoleLog.join("\n")}\n`);
  report(results.filter((r) => r !== undefined));
  return end.jobExit ?? 1;
};

/** The side-by-side table of the hog runs, and the daemon's latencies. */
const report = (rs: NonNullable<ReturnType<typeof parseLine>>[]): void => {
  const hog = rs.filter((r) => r.scenario === "hog");
  console.log("\nhog scenario          runs  kernel OOM kills  critical survived  hog stopped  normal survived");
  for (const mode of [...new Set(hog.map((r) => r.fields.mode!))]) {
    const mine = hog.filter((r) => r.fields.mode === mode);
    const sum = (f: (r: (typeof mine)[number]) => number) => mine.reduce((a, r) => a + f(r), 0);
    console.log(
      `${mode.padEnd(20)} ${String(mine.length).padStart(5)}  ${String(sum((r) => Number(r.fields.kernel_oom_kills))).padStart(16)}  ${`${sum((r) => Number(r.fields.critical === "alive"))}/${mine.length}`.padStart(17)}  ${`${sum((r) => Number(r.fields.hog === "dead"))}/${mine.length}`.padStart(11)}  ${`${sum((r) => Number(r.fields.normal === "alive"))}/${mine.length}`.padStart(15)}`,
    );
  }
  const events = rs.filter((r) => r.scenario === "hog-event");
  for (const mode of [...new Set(events.map((r) => r.fields.mode!))]) {
    const latencies = events
      .filter((r) => r.fields.mode === mode)
      .flatMap((r) => {
        try {
          const e = JSON.parse(r.rest.slice(r.rest.indexOf("{"))) as { latencyMs?: number };
          return e.latencyMs === undefined ? [] : [e.latencyMs];
        } catch {
          return [];
        }
      });
    console.log(`${mode}: signal-to-action latency median ${median(latencies) ?? "-"} ms over ${latencies.length} actions (${latencies.join(", ")})`);
  }
  for (const r of rs.filter((x) => ["idle", "reclaim", "limit", "limit-event"].includes(x.scenario))) console.log(`${r.scenario}: ${r.rest}`);
};

if (import.meta.main) {
  try {
    process.exitCode = await main();
  } catch (err) {
    console.error(`bench-memory: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  }
}
