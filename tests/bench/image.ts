// `npm run bench:image`: import + unpack of the same images by bunker, umoci and containerd, side by side in one
// run: busybox (one layer) and a ~100 MB image of four layers made here. Reported per tool: median wall time,
// bytes written to disk (the processes' block output: getrusage of the commands, /proc/PID/io of containerd),
// syncs (fsync, fdatasync, syncfs) and write-back hints (sync_file_range), counted by strace -c in a separate run,
// peak RSS; bunker also without syncing for the durability cost, and its RSS growth while it pulls the 100 MB image
// from a registry on loopback. Without syncing: under strace, each sync call answered 0 without being made (what
// eatmydata does; its LD_PRELOAD misses the calls bunker makes through bun:ffi, which binds libc's own symbols), and
// compared with the same strace that lets them through, so that tracing costs both sides alike.
//   bunker:     image import LAYOUT_DIR + image bundle (a flattened rootfs, as umoci unpack makes)
//   umoci:      umoci unpack LAYOUT (its layout is its store: there is no import step)
//   containerd: ctr images import OCI_ARCHIVE (unpacks into its overlayfs snapshotter) + ctr snapshots prepare
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { BIN } from "../support/cli.ts";
import { busyboxLayout, pushLayout, startRegistry, tempDir, tool } from "../support/images.ts";

const RUNS = { busybox: 5, big: 3 };
/** Timings on a shared machine mean little without its load: printed at the start and the end. */
const load = (): string => `load average ${loadavg().map((l) => l.toFixed(2)).join(" ")} on ${cpus().length} cores`;
console.log(`start: ${load()}`);
const work = tempDir("bunker-bench-image-");
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const MiB = 1024 * 1024;

interface Sample {
  ms: number;
  written: number;
  rss: number;
  /** Wall time of each command (bunker's: the import, then the bundle). */
  steps?: number[];
}

/** Runs the commands one after another; wall time, block output (bytes) and the largest peak RSS among them. */
const measure = (cmds: string[][]): Sample => {
  const t = performance.now();
  let written = 0;
  let rss = 0;
  const steps: number[] = [];
  for (const c of cmds) {
    const started = performance.now();
    const p = Bun.spawnSync(c, { stdout: "pipe", stderr: "pipe" });
    steps.push(performance.now() - started);
    if (p.exitCode !== 0) throw new Error(`${c.join(" ")}: exit ${p.exitCode}: ${p.stderr.toString().trim()}`);
    written += (p.resourceUsage?.ops.out ?? 0) * 512;
    rss = Math.max(rss, p.resourceUsage?.maxRSS ?? 0);
  }
  return { ms: performance.now() - t, written, rss, steps };
};

const SYNC_CALLS = "fsync,fdatasync,syncfs,sync_file_range,sync";
type Syncs = { syncs: number; hints: number };
/** Sync calls made by the commands (and their threads and children), counted by strace -c. */
const fsyncs = (cmds: string[][]): Syncs => {
  const n = { syncs: 0, hints: 0 };
  for (const c of cmds) {
    const out = join(work, "strace.txt");
    const p = Bun.spawnSync(["strace", "-f", "-c", "-o", out, "-e", `trace=${SYNC_CALLS}`, ...c], { stdout: "ignore", stderr: "pipe" });
    if (p.exitCode !== 0) throw new Error(`strace ${c.join(" ")}: ${p.stderr.toString().trim()}`);
    const counted = countStrace(readFileSync(out, "utf8"));
    n.syncs += counted.syncs;
    n.hints += counted.hints;
  }
  return n;
};
/** strace -c's table: "% time, seconds, usecs/call, calls, [errors,] syscall" per row; sync_file_range apart. */
const countStrace = (text: string): Syncs =>
  text
    .split("\n")
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length >= 5 && /^\d/.test(f[0]!) && f.at(-1) !== "total")
    .reduce((n, f) => (f.at(-1) === "sync_file_range" ? { ...n, hints: n.hints + Number(f[3]) } : { ...n, syncs: n.syncs + Number(f[3]) }), { syncs: 0, hints: 0 });
/** Each command under strace stopping only at the sync calls; with `noSync`, each answered 0 without being made. */
const traced = (noSync: boolean) => (cmds: string[][]): string[][] =>
  cmds.map((c) => ["strace", "-f", "--seccomp-bpf", "-o", "/dev/null", "-e", `trace=${SYNC_CALLS}`, ...(noSync ? ["-e", `inject=${SYNC_CALLS}:retval=0`] : []), ...c]);

// ---- the images

const makeBig = (): string => {
  const layout = busyboxLayout(join(work, "big-src"), join(work, "big"));
  for (let i = 0; i < 4; i++) {
    const dir = join(work, `big-files-${i}`);
    mkdirSync(dir, { recursive: true });
    // Half random (incompressible), half text (compressible): ~25 MB of files per layer, many of them small.
    tool(["sh", "-c", `head -c ${12 * MiB} /dev/urandom > ${dir}/blob; for n in $(seq 1 400); do head -c 32768 /dev/urandom | base64 > ${dir}/f$n; done`]);
    tool(["umoci", "insert", "--image", `${layout}:latest`, dir, `/data${i}`]);
    rmSync(dir, { recursive: true, force: true });
  }
  return layout;
};

const images = { busybox: busyboxLayout(join(work, "bb-src"), join(work, "busybox")), big: makeBig() };
const archives = Object.fromEntries(
  Object.entries(images).map(([k, layout]) => {
    const tar = join(work, `${k}.oci.tar`);
    tool(["skopeo", "copy", `oci:${layout}:latest`, `oci-archive:${tar}:latest`]);
    return [k, tar];
  }),
) as Record<keyof typeof images, string>;

const chainOf = (layout: string): string => {
  const blob = (d: string) => JSON.parse(readFileSync(join(layout, "blobs/sha256", d.slice(7)), "utf8"));
  const manifest = blob(JSON.parse(readFileSync(join(layout, "index.json"), "utf8")).manifests[0].digest);
  const ids: string[] = blob(manifest.config.digest).rootfs.diff_ids;
  return ids.slice(1).reduce((chain, id) => `sha256:${new Bun.CryptoHasher("sha256").update(`${chain} ${id}`).digest("hex")}`, ids[0]!);
};

// ---- the tools

const bunkerCmds = (layout: string, dir: string): string[][] => [
  [BIN, "--images", join(dir, "store"), "image", "import", layout, "--name", "bench:1"],
  [BIN, "--images", join(dir, "store"), "image", "bundle", "bench:1", join(dir, "bundle")],
];

const umociCmds = (layout: string, dir: string): string[][] => [["umoci", "unpack", "--image", `${layout}:latest`, join(dir, "bundle")]];

const procIo = (pid: number): number => Number(/write_bytes: (\d+)/.exec(readFileSync(`/proc/${pid}/io`, "utf8"))![1]);
const procRss = (pid: number): number => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) * 1024;

/** containerd with its own root, state and sockets under `dir`; stopped by pid. */
const startContainerd = async (dir: string) => {
  mkdirSync(dir, { recursive: true });
  const sock = join(dir, "c.sock");
  const config = join(dir, "config.toml");
  writeFileSync(config, `version = 2\nroot = "${dir}/root"\nstate = "${dir}/state"\ndisabled_plugins = ["io.containerd.grpc.v1.cri"]\n[grpc]\n  address = "${sock}"\n[ttrpc]\n  address = "${sock}.ttrpc"\n`);
  const proc = Bun.spawn(["containerd", "--config", config], { stdout: "ignore", stderr: Bun.file(join(dir, "log")) });
  for (let i = 0; i < 200; i++) {
    if (Bun.spawnSync(["ctr", "-a", sock, "version"], { stdout: "ignore", stderr: "ignore" }).exitCode === 0) break;
    await Bun.sleep(25);
  }
  return { sock, pid: proc.pid, stop: async () => (proc.kill("SIGTERM"), await proc.exited) };
};

const ctrCmds = (sock: string, archive: string, chain: string): string[][] => [
  ["ctr", "-a", sock, "-n", "bench", "images", "import", archive],
  ["ctr", "-a", sock, "-n", "bench", "snapshots", "prepare", `bench-${Math.random().toString(36).slice(2)}`, chain],
];

/** A containerd run: the clients' figures plus the daemon's writes and its RSS, sampled while they run. */
const measureContainerd = async (archive: string, chain: string, strace: boolean): Promise<Sample & { fsyncs: Syncs }> => {
  const dir = join(work, `ctrd-${Math.random().toString(36).slice(2)}`);
  const d = await startContainerd(dir);
  try {
    const before = procIo(d.pid);
    let peak = procRss(d.pid);
    const sampler = setInterval(() => (peak = Math.max(peak, procRss(d.pid))), 10);
    let tracer: ReturnType<typeof Bun.spawn> | undefined;
    const out = join(dir, "strace.txt");
    if (strace) {
      tracer = Bun.spawn(["strace", "-f", "-c", "-o", out, "-e", `trace=${SYNC_CALLS}`, "-p", String(d.pid)], { stdout: "ignore", stderr: "ignore" });
      await Bun.sleep(300);
    }
    // The client commands run async so the sampler keeps running.
    const t = performance.now();
    for (const c of ctrCmds(d.sock, archive, chain)) {
      const p = Bun.spawn(c, { stdout: "ignore", stderr: "pipe" });
      if ((await p.exited) !== 0) throw new Error(`${c.join(" ")}: ${await new Response(p.stderr).text()}`);
    }
    const ms = performance.now() - t;
    clearInterval(sampler);
    let n: Syncs = { syncs: 0, hints: 0 };
    if (tracer) {
      tracer.kill("SIGINT");
      await tracer.exited;
      n = countStrace(readFileSync(out, "utf8"));
    }
    return { ms, written: procIo(d.pid) - before, rss: peak, fsyncs: n };
  } finally {
    await d.stop();
    tool(["sh", "-c", `grep -o ' ${dir}[^ ]*' /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l || true`]);
    rmSync(dir, { recursive: true, force: true });
  }
};

// ---- the runs

type Row = { tool: string; image: string; ms: number; written: number; fsyncs?: Syncs; rss: number; importMs?: number };
const rows: Row[] = [];
const fresh = (): string => {
  const d = join(work, `run-${Math.random().toString(36).slice(2)}`);
  mkdirSync(d);
  return d;
};
const TRACED = "bunker (traced)";
const NO_SYNC = "bunker (traced, no sync)";

for (const [name, layout] of Object.entries(images) as [keyof typeof images, string][]) {
  const chain = chainOf(layout);
  const runs: Record<string, Sample[]> = { bunker: [], [TRACED]: [], [NO_SYNC]: [], umoci: [], containerd: [] };
  for (let i = 0; i < RUNS[name]; i++) {
    // Interleaved, so that no tool always runs on the page cache another has just warmed.
    for (const [t, wrap] of [["bunker", (c: string[][]) => c], [TRACED, traced(false)], [NO_SYNC, traced(true)]] as const) {
      const d = fresh();
      runs[t]!.push(measure(wrap(bunkerCmds(layout, d))));
      rmSync(d, { recursive: true, force: true });
    }
    const d = fresh();
    runs.umoci!.push(measure(umociCmds(layout, d)));
    rmSync(d, { recursive: true, force: true });
    runs.containerd!.push(await measureContainerd(archives[name], chain, false));
  }
  const counted: Record<string, Syncs> = {};
  for (const [t, cmds] of [["bunker", bunkerCmds], ["umoci", umociCmds]] as const) {
    const d = fresh();
    counted[t] = fsyncs(cmds(layout, d));
    rmSync(d, { recursive: true, force: true });
  }
  counted.containerd = (await measureContainerd(archives[name], chain, true)).fsyncs;
  for (const [t, s] of Object.entries(runs))
    rows.push({ tool: t, image: name, ms: median(s.map((x) => x.ms)), written: median(s.map((x) => x.written)), fsyncs: counted[t], rss: median(s.map((x) => x.rss)), importMs: median(s.map((x) => x.steps?.[0] ?? 0)) });
}

// ---- RSS while pulling an image whose top layer is 100 MB

const regDir = join(work, "registry");
mkdirSync(regDir);
const reg = await startRegistry(regDir);
let pull: { baseline: number; peak: number; peakAnon: number; baselineAnon: number };
try {
  const hundred = busyboxLayout(join(work, "hundred-src"), join(work, "hundred"));
  tool(["sh", "-c", `mkdir -p ${work}/hundred-files && head -c ${100 * MiB} /dev/urandom > ${work}/hundred-files/blob`]);
  tool(["umoci", "insert", "--image", `${hundred}:latest`, join(work, "hundred-files/blob"), "/blob"]);
  await pushLayout(hundred, "latest", `${reg.host}/big:1`);
  const status = (pid: number) => {
    const s = readFileSync(`/proc/${pid}/status`, "utf8");
    return { rss: Number(/VmRSS:\s+(\d+)/.exec(s)![1]) * 1024, anon: Number(/RssAnon:\s+(\d+)/.exec(s)![1]) * 1024 };
  };
  const sample = async (argv: string[]) => {
    const p = Bun.spawn(argv, { stdout: "ignore", stderr: "pipe" });
    let peak = { rss: 0, anon: 0 };
    while (p.exitCode === null) {
      try {
        const s = status(p.pid);
        peak = { rss: Math.max(peak.rss, s.rss), anon: Math.max(peak.anon, s.anon) };
      } catch {
        // exited between the check and the read
      }
      await Bun.sleep(5);
    }
    if ((await p.exited) !== 0) throw new Error(`${argv.join(" ")}: ${await new Response(p.stderr).text()}`);
    return peak;
  };
  const store = join(work, "pull-store");
  // The baseline: the same executable doing the same start-up work without the download.
  const idle = await sample([BIN, "--images", store, "image", "ls"]);
  const pulled = await sample([BIN, "--images", store, "image", "pull", "--insecure", `${reg.host}/big:1`]);
  pull = { baseline: idle.rss, peak: pulled.rss, baselineAnon: idle.anon, peakAnon: pulled.anon };
} finally {
  await reg.stop();
}

// ---- the report

const fmt = (n: number) => (n / MiB).toFixed(1);
const by = (tool: string, image: string) => rows.find((r) => r.tool === tool && r.image === image)!;
console.log("\n| image | tool | wall (median) | written | syncs | write-back hints | peak RSS |\n|---|---|---|---|---|---|---|");
for (const r of rows) console.log(`| ${r.image} | ${r.tool} | ${r.ms.toFixed(0)} ms | ${fmt(r.written)} MiB | ${r.fsyncs?.syncs ?? "-"} | ${r.fsyncs?.hints ?? "-"} | ${fmt(r.rss)} MiB |`);
console.log("");
for (const image of Object.keys(images)) {
  const b = by("bunker", image);
  console.log(
    `${image}: bunker / umoci ${(b.ms / by("umoci", image).ms).toFixed(2)}x (goal < 1), durable / no sync ${(by(TRACED, image).ms / by(NO_SYNC, image).ms).toFixed(2)}x (goal <= 1.25, both traced; the import alone ${(by(TRACED, image).importMs! / by(NO_SYNC, image).importMs!).toFixed(2)}x), bunker / containerd ${(b.ms / by("containerd", image).ms).toFixed(2)}x`,
  );
}
console.log(
  `pull of an image with a 100 MB layer: peak RSS ${fmt(pull.peak)} MiB against ${fmt(pull.baseline)} MiB for 'image ls' (+${fmt(pull.peak - pull.baseline)} MiB, goal <= 16); anonymous ${fmt(pull.peakAnon)} MiB against ${fmt(pull.baselineAnon)} MiB (+${fmt(pull.peakAnon - pull.baselineAnon)} MiB)`,
);
console.log(`end: ${load()}`);
rmSync(work, { recursive: true, force: true });
