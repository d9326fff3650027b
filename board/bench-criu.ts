// Figures of process checkpoints on the emulated board (`npm run bench:criu`): for a counter and for a process
// holding 32 MiB of anonymous memory, the time of `bunker checkpoint --process` and of `bunker restore` (the whole
// command, CRIU's part, and bunker's phases from --debug), the bytes of CRIU's images, of bunker's checkpoint file
// (standalone: its rootfs too) and of the images' chunks in it, against CRIU's image directory as a tar.gz of the same
// dump. Emulated (TCG) times compare the parts with each other, not with real boards.
// usage: bun board/bench-criu.ts [--runs N] [--no-build]
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readCheckpoint } from "../runtime/checkpoint/checkpoint-file.ts";
import { hashHex } from "../runtime/checkpoint/chunks.ts";
import { restoreTree } from "../runtime/checkpoint/restore-tree.ts";
import { CRIU_IMAGES_TREE } from "../runtime/durable/checkpoint-records.ts";
import { BUILD_DIR, buildDisk, CACHE_DIR, prepareBase } from "./assemble.ts";
import { readFromImage } from "./disk-files.ts";
import { BOARD_PATHS } from "./disk-tree.ts";
import { buildExecutables, builtExecutables } from "./executables.ts";
import { runJob } from "./job.ts";
import { median } from "./median.ts";
import { loadProfile } from "./profile.ts";

export interface CriuRun {
  workload: string;
  run: number;
  dumpMs: number;
  criuDumpMs: number;
  restoreMs: number;
  imageBytes: number;
  fileBytes: number;
  ok: boolean;
  phases: string[];
}

/** Reads the `CRIU bench-...` lines of criu-guest.sh's bench phase. */
export const parseCriuBench = (lines: readonly string[]): CriuRun[] => {
  const runs = new Map<string, CriuRun>();
  for (const line of lines) {
    const m = /^CRIU bench-(dump|restore)(-phases)? (\S+) (\d+) (.*)$/.exec(line);
    if (!m) continue;
    const [, step, phases, workload, n, rest] = m as unknown as [string, "dump" | "restore", string | undefined, string, string, string];
    const key = `${workload} ${n}`;
    const run = runs.get(key) ?? { workload, run: Number(n), dumpMs: 0, criuDumpMs: 0, restoreMs: 0, imageBytes: 0, fileBytes: 0, ok: true, phases: [] };
    runs.set(key, run);
    if (phases) {
      run.phases.push(`${step}: ${rest.trim()}`);
      continue;
    }
    const r = /^(\d+) (\d+) (.*)$/.exec(rest);
    if (!r || r[1] !== "0") {
      run.ok = false;
      continue;
    }
    if (step === "dump") {
      const w = JSON.parse(r[3]!) as { fileBytes: number; processes: { dumpMs: number; imageBytes: number } };
      Object.assign(run, { dumpMs: Number(r[2]), criuDumpMs: w.processes.dumpMs, imageBytes: w.processes.imageBytes, fileBytes: w.fileBytes });
    } else run.restoreMs = Number(r[2]);
  }
  return [...runs.values()];
};

/** Bytes of the chunk records that hold the images in `file`, and of CRIU's image directory as a tar.gz (gzip -6). */
export const imageSizes = (file: string): { inFile: number; tarGz: number } => {
  const contents = readCheckpoint(file);
  const entries = contents.trees.find((t) => t.name === CRIU_IMAGES_TREE)?.entries ?? [];
  const hashes = new Set(entries.flatMap((e) => e.chunks.map(hashHex)));
  const inFile = [...hashes].reduce((n, h) => n + (contents.chunks.get(h) ? contents.chunks.get(h)!.ref.end - contents.chunks.get(h)!.ref.offset : 0), 0);
  const work = mkdtempSync(join(tmpdir(), "bench-criu-"));
  try {
    restoreTree(file, CRIU_IMAGES_TREE, join(work, "images"), { contents, durable: false });
    const tar = Bun.spawnSync(["tar", "-czf", join(work, "images.tar.gz"), "-C", join(work, "images"), "."], { stderr: "pipe" });
    if (tar.exitCode !== 0) throw new Error(`tar -czf of the images of '${file}': ${tar.stderr.toString().trim()}`);
    return { inFile, tarGz: statSync(join(work, "images.tar.gz")).size };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
};

const s = (ms: number | undefined): string => (ms === undefined ? "-" : (ms / 1000).toFixed(1));

if (import.meta.main) {
  const i = process.argv.indexOf("--runs");
  const runs = i >= 0 ? Number(process.argv[i + 1]) : 3;
  const log = (l: string) => console.error(`bench-criu: ${l}`);
  if (!process.argv.includes("--no-build")) buildExecutables();
  const profile = loadProfile("qemu-virt-a53");
  const base = prepareBase(log);
  const disk = join(BUILD_DIR, "bench-criu.img");
  buildDisk(base, profile, builtExecutables(), disk);
  const end = await runJob({
    profile,
    base,
    disk,
    name: "bench-criu",
    script: `sh ${BOARD_PATHS.suite}/criu-guest.sh bench ${runs}\n`,
    onLine: (l) => /^CRIU /.test(l.text) && log(l.text.slice(0, 400)),
    timeoutMs: 60 * 60_000,
  });
  const all = parseCriuBench(end.lines.map((l) => l.text));
  const host = mkdtempSync(join(tmpdir(), "bench-criu-files-"));
  const rows = ["counter", "hog"].map((workload) => {
    const mine = all.filter((r) => r.workload === workload && r.ok);
    const last = mine.at(-1);
    let sizes: { inFile: number; tarGz: number } | undefined;
    if (last) {
      const file = join(host, `${workload}.bnkc`);
      readFromImage(disk, `/var/lib/bunker/bench/${workload}-${last.run}.bnkc`, file);
      sizes = imageSizes(file);
    }
    const med = (f: (r: CriuRun) => number) => median(mine.map(f));
    return {
      workload,
      runs: `${mine.length}/${all.filter((r) => r.workload === workload).length}`,
      dumpMs: med((r) => r.dumpMs),
      criuDumpMs: med((r) => r.criuDumpMs),
      restoreMs: med((r) => r.restoreMs),
      imageBytes: last?.imageBytes,
      fileBytes: last?.fileBytes,
      imagesInFile: sizes?.inFile,
      imagesTarGz: sizes?.tarGz,
      phases: last?.phases ?? [],
    };
  });
  rmSync(host, { recursive: true, force: true });
  writeFileSync(join(CACHE_DIR, "bench-criu.json"), `${JSON.stringify({ profile: profile.name, runs, rows, all }, null, 2)}\n`);
  console.log(`${profile.name}: process checkpoints, medians of ${runs} runs (emulated Cortex-A53, TCG; standalone files)`);
  console.log("workload  runs  checkpoint s  of it CRIU s  restore s  CRIU images B  bunker file B  images in file B  images tar.gz B");
  for (const r of rows)
    console.log(
      [r.workload.padEnd(8), r.runs.padStart(5), s(r.dumpMs).padStart(13), s(r.criuDumpMs).padStart(13), s(r.restoreMs).padStart(10), String(r.imageBytes ?? "-").padStart(14), String(r.fileBytes ?? "-").padStart(14), String(r.imagesInFile ?? "-").padStart(17), String(r.imagesTarGz ?? "-").padStart(16)].join(" "),
    );
  for (const r of rows) for (const p of r.phases) console.log(`  ${r.workload} ${p}`);
  process.exitCode = end.jobExit === 0 && rows.every((r) => r.imageBytes) ? 0 : 1;
}
