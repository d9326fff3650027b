// bench:journal: the same 10,000 durable state changes through bunker's state journal and through bun:sqlite
// (WAL, synchronous=FULL), side by side: bytes written to storage (/proc/self/io write_bytes, around each phase),
// fsyncs per change (the storage layer's count, and strace's for both when strace exists) and recovery time.
// Each phase runs in its own process so strace sees only that phase. Last, the size of a checkpoint of a busybox
// container with 1 MiB of writable data next to a tar.gz of the same data and its config.json.
import { Database } from "bun:sqlite";
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { median } from "../../board/median.ts";
import { writeCheckpoint } from "../../runtime/checkpoint/checkpoint-file.ts";
import { openStateJournal } from "../../runtime/durable/journal.ts";
import type { LifecycleChange } from "../../runtime/durable/lifecycle.ts";
import { fsStorage, SECTOR } from "../../runtime/durable/storage.ts";

const CHANGES = 10_000;
const CONTAINERS = 20;

/** A device's life: containers created, wanted, started, exiting, restarted, OOM-killed, updated, replaced. */
const workload = (): LifecycleChange[] => {
  const out: LifecycleChange[] = [];
  const ids = Array.from({ length: CONTAINERS }, (_, i) => `app-${i}`);
  for (const id of ids) out.push({ kind: "created", id, bundle: `/var/lib/bunker/bundles/${id}` }, { kind: "desired", id, running: true });
  for (let round = 1; out.length < CHANGES; round++)
    for (const id of ids) {
      if (out.length >= CHANGES) break;
      const pid = 1000 + ((round * CONTAINERS + ids.indexOf(id)) % 30000);
      const step = (round + ids.indexOf(id)) % 5;
      if (step === 0) out.push({ kind: "started", id, pid, startTime: round * 100 });
      else if (step === 1) out.push({ kind: "exited", id, status: round % 3 });
      else if (step === 2) out.push({ kind: "restarted", id, count: round });
      else if (step === 3) out.push({ kind: "resourcesUpdated", id, resources: `{"memory":{"limit":${(round % 64) * 1048576}}}` });
      else out.push({ kind: "oomKilled", id });
    }
  return out.slice(0, CHANGES);
};

const writeBytes = (): number => Number(/write_bytes: (\d+)/.exec(readFileSync("/proc/self/io", "utf8"))![1]);

const timeIt = (runs: number, f: () => void): number =>
  median(
    Array.from({ length: runs }, () => {
      const t = performance.now();
      f();
      return performance.now() - t;
    }),
  )!;

interface PhaseResult {
  bytes: number;
  fsyncs?: number;
  ms: number;
  recoveryMs: number;
  recovered: string;
}

const journalPhase = (dir: string): PhaseResult => {
  const changes = workload();
  const storage = fsStorage();
  const before = writeBytes();
  const t = performance.now();
  const j = openStateJournal(dir, storage);
  for (const c of changes) j.record(c);
  j.close();
  const ms = performance.now() - t;
  const bytes = writeBytes() - before;
  const fsyncs = storage.counters.fsyncs;
  let last = openStateJournal(dir);
  const recoveryMs = timeIt(21, () => (last = openStateJournal(dir)));
  return { bytes, fsyncs, ms, recoveryMs, recovered: `snapshot to change ${last.recovery.snapshotSeq} + ${last.recovery.replayed} journal records` };
};

/** Recovery of a journal that holds all 10,000 records in one segment (no snapshot to start from). */
const replayPhase = (dir: string): PhaseResult => {
  const one = openStateJournal(dir, fsStorage(), { segmentBytes: (CHANGES + 1) * SECTOR * 2 });
  for (const c of workload()) one.record(c);
  one.close();
  let replayed = 0;
  const recoveryMs = timeIt(21, () => (replayed = openStateJournal(dir).recovery.replayed));
  return { bytes: 0, ms: 0, recoveryMs, recovered: `${replayed} journal records` };
};

const sqlitePhase = (dir: string): PhaseResult => {
  const changes = workload();
  const path = join(dir, "state.db");
  const before = writeBytes();
  const t = performance.now();
  const db = new Database(path);
  db.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL");
  db.exec(`CREATE TABLE containers (id TEXT PRIMARY KEY, bundle TEXT, status TEXT, pid INTEGER, start_time INTEGER,
    exit_status INTEGER, exit_signal INTEGER, oom_killed INTEGER, restarts INTEGER, resources TEXT, should_run INTEGER, seq INTEGER)`);
  const stmts: Record<LifecycleChange["kind"], (c: any, seq: number) => void> = {
    created: (c, s) => db.run("INSERT INTO containers (id, bundle, status, pid, oom_killed, restarts, should_run, seq) VALUES (?, ?, 'created', ?, 0, 0, 0, ?)", [c.id, c.bundle, c.pid ?? null, s]),
    started: (c, s) => db.run("UPDATE containers SET status='running', pid=?, start_time=?, exit_status=NULL, exit_signal=NULL, oom_killed=0, seq=? WHERE id=?", [c.pid, c.startTime, s, c.id]),
    exited: (c, s) => db.run("UPDATE containers SET status='stopped', exit_status=?, exit_signal=?, seq=? WHERE id=?", [c.status ?? null, c.signal ?? null, s, c.id]),
    oomKilled: (c, s) => db.run("UPDATE containers SET oom_killed=1, seq=? WHERE id=?", [s, c.id]),
    restarted: (c, s) => db.run("UPDATE containers SET restarts=?, seq=? WHERE id=?", [c.count, s, c.id]),
    deleted: (c) => db.run("DELETE FROM containers WHERE id=?", [c.id]),
    resourcesUpdated: (c, s) => db.run("UPDATE containers SET resources=?, seq=? WHERE id=?", [c.resources, s, c.id]),
    desired: (c, s) => db.run("UPDATE containers SET should_run=?, seq=? WHERE id=?", [c.running ? 1 : 0, s, c.id]),
    // The workload holds container changes only.
    target: () => {},
    stepBegun: () => {},
    stepEnded: () => {},
    ota: () => {},
    // Not in the workload: one per boot.
    resumed: () => {},
  };
  changes.forEach((c, i) => stmts[c.kind](c, i + 1));
  db.close();
  const ms = performance.now() - t;
  const bytes = writeBytes() - before;
  let rows = 0;
  const recoveryMs = timeIt(21, () => {
    const again = new Database(path);
    rows = again.query("SELECT * FROM containers").all().length;
    again.close();
  });
  return { bytes, ms, recoveryMs, recovered: `${rows} rows` };
};

/** fsync + fdatasync calls of a child process, from `strace -c`; undefined without strace. */
const straceCount = (summary: string): number =>
  summary
    .split("\n")
    .filter((l) => /\b(fsync|fdatasync)$/.test(l.trim()))
    .reduce((n, l) => n + Number(l.trim().split(/\s+/)[3]), 0);

const runPhase = async (phase: string, strace: boolean): Promise<PhaseResult & { straceFsyncs?: number }> => {
  const dir = mkdtempSync(join(process.env.BENCH_DIR ?? "/var/tmp", `bunker-bench-${phase}-`));
  const out = join(dir, "strace.txt");
  const argv = [process.execPath, import.meta.path, "--phase", phase, dir];
  const cmd = strace ? ["strace", "-c", "-f", "-e", "trace=fsync,fdatasync", "-o", out, ...argv] : argv;
  try {
    const child = Bun.spawnSync(cmd, { stdout: "pipe", stderr: "inherit" });
    if (child.exitCode !== 0) throw new Error(`Bench phase '${phase}' exited with ${child.exitCode}`);
    const result = JSON.parse(child.stdout.toString()) as PhaseResult;
    return strace ? { ...result, straceFsyncs: straceCount(readFileSync(out, "utf8")) } : result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

/** A busybox rootfs whose /data holds 1 MiB: half application log text, half random bytes (a database, a key). */
const busyboxBundle = (dir: string): { rootfs: string; data: string; config: string } => {
  const rootfs = join(dir, "rootfs");
  for (const d of ["bin", "etc", "data", "tmp"]) mkdirSync(join(rootfs, d), { recursive: true });
  copyFileSync("/usr/bin/busybox", join(rootfs, "bin/busybox"));
  for (const applet of ["sh", "ls", "cat", "sleep", "echo"]) symlinkSync("busybox", join(rootfs, "bin", applet));
  writeFileSync(join(rootfs, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
  const lines: string[] = [];
  for (let i = 0; lines.join("").length < 512 * 1024; i++) lines.push(`2026-11-29T18:${String(i % 60).padStart(2, "0")}:00Z sensor=${i % 17} value=${(i * 37) % 1000} ok\n`);
  writeFileSync(join(rootfs, "data/app.log"), lines.join("").slice(0, 512 * 1024));
  writeFileSync(join(rootfs, "data/store.bin"), crypto.getRandomValues(new Uint8Array(512 * 1024)));
  const config = JSON.stringify({ ociVersion: "1.2.0", process: { args: ["/bin/sh", "-c", "sleep 1000"], cwd: "/" }, root: { path: "rootfs" }, hostname: "board" }, null, 2);
  writeFileSync(join(dir, "config.json"), config);
  return { rootfs, data: join(rootfs, "data"), config };
};

const checkpointSizes = (): void => {
  const dir = mkdtempSync(join(process.env.BENCH_DIR ?? "/var/tmp", "bunker-bench-ckpt-"));
  try {
    const b = busyboxBundle(dir);
    const state = { id: "bb", bundle: dir, status: "running" as const, pid: 1, oomKilled: false, restarts: 0, shouldRun: true };
    const tgz = (name: string, paths: string[]): number => {
      const out = join(dir, name);
      const r = Bun.spawnSync(["tar", "-czf", out, "-C", dir, ...paths]);
      if (r.exitCode !== 0) throw new Error(`tar -czf ${out} failed: ${r.stderr.toString()}`);
      return statSync(out).size;
    };
    const ckpt = (name: string, tree: string): number => writeCheckpoint({ file: join(dir, "store", name), id: "bb", trees: [{ name: "/data", dir: tree }], config: b.config, state }).fileBytes;
    const dataCkpt = ckpt("data-1.bnkc", b.data);
    const dataTgz = tgz("data.tar.gz", ["config.json", "rootfs/data"]);
    const rootCkpt = writeCheckpoint({ file: join(dir, "alone", "root.bnkc"), id: "bb", trees: [{ name: "rootfs", dir: b.rootfs }], config: b.config, state, standalone: true }).fileBytes;
    const rootTgz = tgz("root.tar.gz", ["config.json", "rootfs"]);
    appendFileSync(join(b.data, "app.log"), "2026-11-29T19:00:00Z sensor=3 value=1 ok\n".repeat(100));
    const nextCkpt = ckpt("data-2.bnkc", b.data);
    const nextTgz = tgz("data2.tar.gz", ["config.json", "rootfs/data"]);
    console.log(`\ncheckpoint of a busybox container with 1 MiB of writable data (bytes)   bunker checkpoint   tar.gz + config.json`);
    console.log(`${"writable data (/data, 1 MiB) + config".padEnd(72)}${String(dataCkpt).padEnd(20)}${dataTgz}`);
    console.log(`${"whole rootfs (busybox 1.9 MB + /data) + config, standalone".padEnd(72)}${String(rootCkpt).padEnd(20)}${rootTgz}`);
    console.log(`${"next checkpoint after 4 KiB appended to the log (same store)".padEnd(72)}${String(nextCkpt).padEnd(20)}${nextTgz}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

const main = async (): Promise<void> => {
  const strace = Bun.which("strace") !== null;
  if (!strace) console.log("strace is not installed: SQLite's fsync count is not measured (apt-get install strace)");
  const j = await runPhase("journal", strace);
  const s = await runPhase("sqlite", strace);
  const replay = await runPhase("replay", false);
  const per = (n: number | undefined): string => (n === undefined ? "n/a" : (n / CHANGES).toFixed(2));
  const kib = (n: number): string => `${(n / 1024).toFixed(0)} KiB`;
  const rows: [string, string, string][] = [
    ["bytes written (write_bytes)", kib(j.bytes), kib(s.bytes)],
    ["bytes written per change", (j.bytes / CHANGES).toFixed(0), (s.bytes / CHANGES).toFixed(0)],
    ["fsyncs per change (storage layer)", per(j.fsyncs), "n/a"],
    ["fsyncs per change (strace)", per(j.straceFsyncs), per(s.straceFsyncs)],
    ["time for 10,000 changes", `${j.ms.toFixed(0)} ms`, `${s.ms.toFixed(0)} ms`],
    ["recovery after the run (median of 21)", `${j.recoveryMs.toFixed(2)} ms`, `${s.recoveryMs.toFixed(2)} ms`],
    ["what recovery found", j.recovered, s.recovered],
  ];
  console.log(`${CHANGES} durable state changes, ${CONTAINERS} containers`);
  console.log(`${"".padEnd(40)}${"bunker journal".padEnd(52)}sqlite (WAL, synchronous=FULL)`);
  for (const [name, a, b] of rows) console.log(`${name.padEnd(40)}${a.padEnd(52)}${b}`);
  console.log(`recovery of one journal segment holding ${replay.recovered}: ${replay.recoveryMs.toFixed(2)} ms (median of 21)`);
  console.log(`journal bytes / sqlite bytes: ${(j.bytes / s.bytes).toFixed(3)} (goal <= 0.1); recovery goal <= 50 ms`);
  checkpointSizes();
};

const phaseAt = process.argv.indexOf("--phase");
if (phaseAt >= 0) {
  const [phase, dir] = [process.argv[phaseAt + 1], process.argv[phaseAt + 2]!];
  const phases: Record<string, (dir: string) => PhaseResult> = { journal: journalPhase, sqlite: sqlitePhase, replay: replayPhase };
  console.log(JSON.stringify(phases[phase!]!(dir)));
} else await main();
