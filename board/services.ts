// The service manager on the emulated board: the power-cut proof (a target of 5 services, one failing its health check
// on purpose, two with dependencies; QEMU killed at random points during the apply and during a change of target, each
// followed by a boot that must converge, with no service started twice and unchanged services never restarted), the
// hardware watchdog (i6300esb: a daemon stopped with SIGSTOP gets the board reset, a running one keeps it up, a clean
// stop disarms it), the busybox inittab example, and the daemon's idle cost with 10 services.
// usage: bun board/services.ts [--scenarios proof,watchdog,init,idle] [--cuts N] [--seed N] [--no-build]
//        bun board/services.ts --sample    (what CI runs: one cut of each kind, the watchdog and init; a fresh seed)
import { copyFileSync, cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BUILD_DIR, buildDisk, CACHE_DIR, prepareBase, REPO_ROOT, type BoardBase } from "./assemble.ts";
import { BOARD_PATHS } from "./disk-tree.ts";
import { runJob, type CutAt, type JobResult } from "./job.ts";
import { loadProfile, type BoardProfile } from "./profile.ts";

export const SVC = "/opt/bunker/services";
export const BUNDLE = `${BOARD_PATHS.bundles}/sleeper`;
export const B = `${BOARD_PATHS.bin}/bunker`;
const NAMES = ["db", "api", "web", "flaky", "logger"] as const;

const option = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
};

/** A service that records each of its starts, synced, on its own volume: "<boot id> <spec>". */
export const service = (name: string, spec: string, body: string, extra: Record<string, unknown> = {}) => ({
  bundle: BUNDLE,
  args: ["/bin/sh", "-c", `echo "$(cat /proc/sys/kernel/random/boot_id) $SPEC" >> /data/starts; sync /data/starts; trap 'exit 0' TERM; ${body}`],
  env: { SPEC: spec },
  volumes: [{ name: `${name}-data`, destination: "/data" }],
  stopGracePeriod: "3s",
  ...extra,
});

export const QUIET = "while :; do sleep 1; done";

/** Version 1 and 2 differ in web's spec only. */
const target = (version: "1" | "2") => ({
  device: "board",
  version,
  services: {
    db: service("db", "1", QUIET, { healthCheck: { exec: ["cat", "/data/starts"], interval: "3s", startInterval: "1s", timeout: "30s", retries: 3 } }),
    api: service("api", "1", QUIET, { dependsOn: { db: { condition: "healthy" } } }),
    web: service("web", version, QUIET, { dependsOn: { api: {} } }),
    // Fails on purpose; with restart policy "no" it stays up, unhealthy (an event, not a restart).
    flaky: service("flaky", "1", QUIET, { healthCheck: { exec: ["cat", "/no-such-file"], interval: "5s", timeout: "30s", retries: 2 }, restart: { policy: "no" } }),
    logger: service("logger", "1", "while :; do echo \"logger: all quiet\"; sleep 2; done"),
  },
});

const idleTarget = {
  device: "board",
  version: "idle",
  services: Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`idle${i}`, { bundle: BUNDLE, args: ["/bin/sh", "-c", "trap 'exit 0' TERM; while :; do sleep 3600; done"] }])),
};

/**
 * The example inittab with this board's paths (bunker in /opt/bunker/bin, busybox's applets in /run/board/bin: stage 2
 * mounted everything already, so no sysinit), and the job as a `once` entry.
 */
const exampleInittab = (): string =>
  readFileSync(join(import.meta.dir, "examples/inittab"), "utf8")
    .split("\n")
    .filter((l) => !l.startsWith("::sysinit:"))
    .map((l) => l.replaceAll("/usr/bin/bunker", B).replace("/bin/sh -c '", "/bin/sh -c 'PATH=/run/board/bin:$PATH; "))
    .concat("::once:/bin/sh /run/board/job.sh", "")
    .join("\n");

const prelude = (step: string, end?: string): string => [`B=${B}`, `SVC=${SVC}`, `STEP=${step}`, ...(end ? [`END=${end}`] : []), `. ${SVC}/guest.sh`, ""].join("\n");

/** mulberry32: the cut points of a run follow from its printed seed. */
export const random = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

export interface Ctx {
  profile: BoardProfile;
  base: BoardBase;
  disk: string;
  log(l: string): void;
}

/** One boot; its console goes to .cache/board/services-<name>.console.log. */
export const boot = async (c: Ctx, name: string, script: string, o: { disk?: string; cut?: CutAt; devices?: string[]; inittab?: string; timeoutMs?: number } = {}): Promise<JobResult> => {
  const r = await runJob({
    profile: c.profile, base: c.base, disk: o.disk ?? c.disk, script, name, timeoutMs: o.timeoutMs ?? 15 * 60_000,
    ...(o.cut ? { cut: o.cut } : {}), ...(o.devices ? { devices: o.devices } : {}), ...(o.inittab ? { inittab: o.inittab } : {}),
    onLine: (l) => {
      if (/^BOARD-(MARK|FAIL|FIGURE|JOB-EXIT)/.test(l.text)) c.log(`${name} [${(l.ms / 1000).toFixed(1)}s] ${l.text}`);
    },
  });
  writeFileSync(join(CACHE_DIR, `services-${name}.console.log`), `${r.lines.map((l) => `${(l.ms / 1000).toFixed(3)} ${l.text}`).join("\n")}\n`);
  return r;
};

export const at = (r: JobResult, re: RegExp): number | undefined => r.lines.find((l) => re.test(l.text))?.ms;

/** Starts per service, per boot id, from the BOARD-STARTS lines of a boot ("<boot> <spec>,..."). */
export const startsOf = (r: JobResult): Map<string, { boot: string; spec: string }[]> => {
  const out = new Map<string, { boot: string; spec: string }[]>();
  for (const l of r.lines) {
    const m = /^BOARD-STARTS (\S+) ?(.*)$/.exec(l.text);
    if (!m) continue;
    out.set(m[1]!, (m[2] ?? "").split(",").filter(Boolean).map((e) => ({ boot: e.split(" ")[0]!, spec: e.split(" ")[1] ?? "" })));
  }
  return out;
};
export const bootId = (r: JobResult): string | undefined => [...r.lines].reverse().find((l) => l.text.startsWith("BOARD-BOOT "))?.text.slice(11);

interface RunOutcome {
  kind: "apply" | "change";
  cutAfterMs: number;
  recovered: string;
  converged: boolean;
  twice: string[];
  restartedUnchanged: string[];
  ok: boolean;
  why: string[];
}

/** One power-cut run: boot 1 cut `delay` ms after its mark, boot 2 recovers and reports; the checks. */
const cutRun = async (c: Ctx, kind: "apply" | "change", i: number, delay: number): Promise<RunOutcome> => {
  const disk = join(BUILD_DIR, `services-cut.img`);
  copyFileSync(c.disk, disk);
  const mark = kind === "apply" ? /^BOARD-MARK apply-start/ : /^BOARD-MARK change-start/;
  const first = await boot(c, `${kind}-${i}-1`, prelude(kind === "apply" ? "apply1" : "change"), { disk, cut: { line: mark, delayMs: delay } });
  const end = kind === "apply" ? "1" : "2";
  const second = await boot(c, `${kind}-${i}-2`, prelude("recover", end), { disk });
  const why: string[] = [];
  if (!first.cut) why.push("boot 1 was not cut");
  if (second.jobExit !== 0) why.push(`boot 2's job exited ${second.jobExit}`);
  const status = JSON.parse([...second.lines].reverse().find((l) => l.text.startsWith("BOARD-STATUS "))?.text.slice(13) ?? "{}") as { converged?: boolean; version?: string; services?: { name: string; actual: string }[] };
  const converged = status.converged === true && status.version === end && NAMES.every((n) => status.services?.find((s) => s.name === n)?.actual === "running");
  if (!converged) why.push(`boot 2 did not converge on version ${end}`);
  const starts = startsOf(second);
  const boot2 = bootId(second);
  // "Started twice": one spec of a service started more than once in one boot. A change legitimately starts web's
  // spec 1 and then its spec 2; so does boot 2 when the journal still held version 1 and the run ends on version 2.
  const twice: string[] = [];
  for (const n of NAMES) {
    const perBootSpec = new Map<string, number>();
    for (const s of starts.get(n) ?? []) perBootSpec.set(`${s.boot} ${s.spec}`, (perBootSpec.get(`${s.boot} ${s.spec}`) ?? 0) + 1);
    for (const [key, count] of perBootSpec) if (count > 1) twice.push(`${n} spec ${key.split(" ")[1]} ${count}x in boot ${key.slice(0, 8)}`);
    const inBoot2 = (starts.get(n) ?? []).filter((s) => s.boot === boot2);
    const last = inBoot2.at(-1);
    if (!last) why.push(`${n} did not start in boot 2`);
    else if (last.spec !== (n === "web" ? end : "1")) why.push(`${n} runs spec ${last.spec} after boot 2`);
    if (n !== "web" && inBoot2.length !== 1) why.push(`${n} (unchanged) started ${inBoot2.length} times in boot 2`);
  }
  if (twice.length) why.push(`started twice: ${twice.join(", ")}`);
  const restartedUnchanged: string[] = [];
  if (kind === "change") {
    // Boot 1 reported its starts before the change: an unchanged service may have no start in boot 1 after that.
    const before = startsOf(first);
    const boot1 = bootId(first);
    for (const n of NAMES.filter((x) => x !== "web")) {
      const inBoot1 = (starts.get(n) ?? []).filter((s) => s.boot === boot1).length;
      const reported = (before.get(n) ?? []).filter((s) => s.boot === boot1).length;
      if (inBoot1 !== reported) restartedUnchanged.push(`${n} (${reported} -> ${inBoot1})`);
    }
    if (restartedUnchanged.length) why.push(`unchanged services restarted by the change: ${restartedUnchanged.join(", ")}`);
  }
  const recovered = second.lines.find((l) => l.text.startsWith("BOARD-MARK recovered"))?.text.slice(21) || "no target journaled";
  return { kind, cutAfterMs: delay, recovered, converged, twice, restartedUnchanged, ok: why.length === 0, why };
};

const proof = async (c: Ctx, cuts: number, seed: number): Promise<RunOutcome[]> => {
  c.log(`proof: seed ${seed}, ${cuts} cuts during the apply and ${cuts} during a change`);
  // Calibration: how long each phase takes here, so the cuts fall inside it.
  const spans: Record<"apply" | "change", number> = { apply: 0, change: 0 };
  for (const kind of ["apply", "change"] as const) {
    const disk = join(BUILD_DIR, "services-cal.img");
    copyFileSync(c.disk, disk);
    const r = await boot(c, `calibrate-${kind}`, prelude(kind === "apply" ? "apply1" : "change"), { disk, cut: { line: /^BOARD-MARK converged/, delayMs: 500 } });
    const from = at(r, kind === "apply" ? /^BOARD-MARK apply-start/ : /^BOARD-MARK change-start/);
    const to = at(r, /^BOARD-MARK converged/);
    if (from === undefined || to === undefined) throw new Error(`Calibrate the ${kind}: no convergence (${r.lines.filter((l) => l.text.startsWith("BOARD-FAIL")).map((l) => l.text).join("; ")})`);
    spans[kind] = to - from;
    c.log(`calibrate-${kind}: ${(spans[kind] / 1000).toFixed(1)} s from the mark to convergence`);
  }
  const rnd = random(seed);
  const out: RunOutcome[] = [];
  for (const kind of ["apply", "change"] as const)
    for (let i = 1; i <= cuts; i++) {
      const r = await cutRun(c, kind, i, Math.round(rnd() * spans[kind]));
      c.log(`${kind}-${i}: cut ${r.cutAfterMs} ms after the mark; recovered ${r.recovered}; ${r.ok ? "ok" : `FAILED: ${r.why.join("; ")}`}`);
      out.push(r);
    }
  return out;
};

const watchdog = async (c: Ctx): Promise<Record<string, unknown>> => {
  const stopped = await boot(c, "watchdog-sigstop", prelude("watchdog"), { devices: ["i6300esb"], timeoutMs: 6 * 60_000 });
  const alive = at(stopped, /^BOARD-MARK watchdog-alive/);
  const stop = at(stopped, /^BOARD-MARK daemon-stopped/);
  const reset = !stopped.cut && stopped.jobExit === null && stop !== undefined && at(stopped, /^BOARD-MARK still-up/) === undefined;
  const clean = await boot(c, "watchdog-clean", prelude("clean"), { devices: ["i6300esb"], timeoutMs: 6 * 60_000 });
  const kept = clean.jobExit === 0 && at(clean, /^BOARD-MARK still-up/) !== undefined;
  const timeout = stopped.lines.find((l) => l.text.startsWith("BOARD-MARK daemon-up"))?.text.split(" ")[2];
  return {
    timeoutS: timeout ? Number(timeout) : null,
    keptUpWhileRunningS: alive !== undefined ? 45 : null,
    resetAfterSigstop: reset,
    resetSecondsAfterSigstop: reset && stop !== undefined ? (stopped.ms - stop) / 1000 : null,
    cleanStopKeptBoardUp: kept,
    ok: alive !== undefined && reset && kept,
  };
};

const init = async (c: Ctx): Promise<Record<string, unknown>> => {
  const disk = join(BUILD_DIR, "services-init.img");
  copyFileSync(c.disk, disk);
  const r = await boot(c, "busybox-init", prelude("init"), { disk, devices: ["i6300esb"], inittab: exampleInittab(), timeoutMs: 10 * 60_000 });
  const reports = r.lines.filter((l) => l.text.startsWith("BOARD-STARTS")).map((l) => l.text);
  const respawned = at(r, /^BOARD-MARK daemon-respawned/) !== undefined;
  // The two reports (before the kill and after the respawn) are the same: nothing was started again.
  const untouched = reports.length === 2 * NAMES.length && reports.slice(0, NAMES.length).join() === reports.slice(NAMES.length).join();
  const stops = r.lines.filter((l) => l.text.includes('"event":"step"') && l.text.includes('"outcome":"begun"') && l.text.includes("the daemon stops")).map((l) => (JSON.parse(l.text) as { service: string }).service);
  // Dependents first: web before api before db.
  const order = ["web", "api", "db"].map((n) => stops.indexOf(n));
  const reverse = order.every((x) => x >= 0) && order[0]! < order[1]! && order[1]! < order[2]!;
  // How the boot ended, for a failure to tell a watchdog reset (QEMU exits at once: -no-reboot) from a timeout or a kill.
  const ended = { afterS: r.ms / 1000, qemuExit: r.code, jobExit: r.jobExit, lastLine: r.lines.at(-1)?.text.slice(0, 200) ?? null };
  return { respawned, servicesUntouchedByRespawn: untouched, shutdownStops: stops, reverseDependencyOrder: reverse, ended, ok: respawned && untouched && reverse && r.jobExit === 0 };
};

const idle = async (c: Ctx): Promise<Record<string, unknown>> => {
  const disk = join(BUILD_DIR, "services-idle.img");
  copyFileSync(c.disk, disk);
  const r = await boot(c, "idle", prelude("idle"), { disk, timeoutMs: 15 * 60_000 });
  const line = r.lines.find((l) => l.text.startsWith("BOARD-FIGURE idle"))?.text;
  if (!line) return { ok: false, why: "no figures" };
  const f = Object.fromEntries([...line.matchAll(/(\w+)=([\d.]+)/g)].map((m) => [m[1]!, Number(m[2])]));
  return {
    services: f.services,
    rssMiB: Number((f.rss_kib! / 1024).toFixed(1)),
    anonMiB: Number((f.anon_kib! / 1024).toFixed(1)),
    threads: f.threads,
    wakeupsPerSecond: Number((f.ctx! / f.seconds!).toFixed(2)),
    daemonBytesWrittenPerHour: Math.round((f.daemon_write_bytes! * 3600) / f.seconds!),
    diskBytesWrittenPerHour: Math.round((f.disk_sectors! * 512 * 3600) / f.seconds!),
    ok: true,
  };
};

const main = async (): Promise<number> => {
  const sample = process.argv.includes("--sample");
  const scenarios = option("--scenarios", sample ? "proof,watchdog,init" : "proof,watchdog,init,idle").split(",");
  const cuts = Number(option("--cuts", sample ? "1" : "10"));
  const seed = Number(option("--seed", String(Date.now() % 1_000_000)));
  const started = performance.now();
  const log = (l: string): void => console.log(`services [${((performance.now() - started) / 1000).toFixed(0)}s] ${l}`);
  if (!process.argv.includes("--no-build")) {
    const p = Bun.spawnSync([process.execPath, "build.ts", "bunker-linux-arm64"], { cwd: REPO_ROOT, stdout: "inherit", stderr: "inherit" });
    if (p.exitCode !== 0) throw new Error("Build the arm64 executable: 'bun build.ts bunker-linux-arm64' failed");
  }
  const profile = loadProfile("qemu-virt-a53");
  const base = prepareBase(log);
  const disk = join(BUILD_DIR, "services.img");
  buildDisk(base, profile, { bunker: join(REPO_ROOT, "dist/bunker-linux-arm64") }, disk, (tree) => {
    const dir = join(tree, SVC.slice(1));
    mkdirSync(dir, { recursive: true });
    cpSync(join(import.meta.dir, "services-guest.sh"), join(dir, "guest.sh"));
    cpSync(join(import.meta.dir, "guest-daemon.sh"), join(dir, "guest-daemon.sh"));
    for (const v of ["1", "2"] as const) writeFileSync(join(dir, `target-${v}.json`), JSON.stringify(target(v), null, 2));
    writeFileSync(join(dir, "target-idle.json"), JSON.stringify(idleTarget, null, 2));
    writeFileSync(join(dir, "daemon.json"), JSON.stringify({}));
    writeFileSync(join(dir, "daemon-watchdog.json"), JSON.stringify({ watchdog: { device: "/dev/watchdog", timeoutS: 10 } }));
  });
  const c: Ctx = { profile, base, disk, log };
  const summary: Record<string, unknown> = { seed };
  if (scenarios.includes("watchdog")) summary.watchdog = await watchdog(c);
  if (scenarios.includes("init")) summary.init = await init(c);
  if (scenarios.includes("idle")) summary.idle = await idle(c);
  if (scenarios.includes("proof")) {
    const runs = await proof(c, cuts, seed);
    summary.proof = {
      runs: runs.length,
      converged: runs.filter((r) => r.converged).length,
      startedTwice: runs.filter((r) => r.twice.length).length,
      unchangedRestarted: runs.filter((r) => r.restartedUnchanged.length).length,
      table: runs.map((r) => ({ kind: r.kind, cutAfterMs: r.cutAfterMs, recovered: r.recovered, ok: r.ok, ...(r.ok ? {} : { why: r.why.join("; ") }) })),
      ok: runs.every((r) => r.ok),
    };
  }
  writeFileSync(join(CACHE_DIR, "services-last-run.json"), `${JSON.stringify(summary, null, 2)}\n`);
  console.log(JSON.stringify(summary, null, 2));
  const failed = Object.entries(summary).filter(([, v]) => typeof v === "object" && v !== null && (v as { ok?: boolean }).ok === false).map(([k]) => k);
  log(failed.length ? `FAILED: ${failed.join(", ")} (seed ${seed})` : `all passed (seed ${seed})`);
  // tests/run.sh counts this line: each scenario is one test, each power-cut run another.
  const runs = (summary.proof as { table?: { ok: boolean }[] } | undefined)?.table ?? [];
  const checks = [...Object.values(summary).filter((v) => typeof v === "object" && v !== null && "ok" in v && v !== summary.proof).map((v) => (v as { ok: boolean }).ok), ...runs.map((r) => r.ok)];
  console.log(`${checks.filter(Boolean).length} passed, ${checks.filter((x) => !x).length} failed`);
  return failed.length ? 1 : 0;
};

// board/ota.ts builds on this file's boots and services: run only when started itself.
if (import.meta.main)
  try {
    process.exitCode = await main();
  } catch (err) {
    console.error(`services: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  }
