// The cost of Docker's default seccomp profile in the start path of `bunker run` (busybox, /bin/true): the compile in
// the parent and the load in the setup stage from --debug timestamps, and `hyperfine -N` of the run with and without
// the profile, in one hyperfine invocation.
//   usage: bun tests/bench/seccomp.ts [runs=40]
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeBundle } from "../support/bundle.ts";
import { BIN } from "../support/cli.ts";

const runs = Number(process.argv[2] ?? 40);
const docker = JSON.parse(readFileSync(join(import.meta.dir, "../fixtures/configs/docker.json"), "utf8")).linux.seccomp;
const plain = makeBundle(["/bin/true"]);
const filtered = makeBundle(["/bin/true"], (c) => ({ ...c, linux: { ...c.linux, seccomp: docker } }));
const state = mkdtempSync(join(tmpdir(), "bench-seccomp-"));

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** Milliseconds between two --debug lines of one process ("bunker[PID] +12.3ms what"). */
const between = (lines: string[], from: RegExp, to: RegExp): number => {
  const at = (what: RegExp): number => Number(lines.find((l) => what.test(l))?.match(/\+([\d.]+)ms/)?.[1] ?? NaN);
  return at(to) - at(from);
};

try {
  const compile: number[] = [];
  const compileCpu: number[] = [];
  const load: number[] = [];
  for (let i = 0; i < runs; i++) {
    const p = Bun.spawnSync([BIN, "--debug", "--root", state, "run", "--bundle", filtered, "debug"], { stdout: "ignore", stderr: "pipe" });
    if (p.exitCode !== 0) throw new Error(`bunker run failed: ${p.stderr.toString().trim()}`);
    const lines = p.stderr.toString().trim().split("\n");
    const stage = lines.filter((l) => l.startsWith("bunker[1] "));
    compile.push(between(lines, /ms seccomp: compile$/, /ms seccomp: \d+ instructions/));
    compileCpu.push(Number(lines.find((l) => / ms of CPU$/.test(l))?.match(/([\d.]+) ms of CPU$/)?.[1] ?? NaN));
    load.push(between(stage, /ms stage: seccomp loading$/, /ms stage: seccomp loaded$/));
  }
  const instructions = Bun.spawnSync([BIN, "--debug", "--root", state, "run", "--bundle", filtered, "debug"], { stderr: "pipe", stdout: "ignore" })
    .stderr.toString()
    .match(/seccomp: (\d+) instructions/)?.[1];
  console.log(`Docker's default profile (${instructions} BPF instructions), ${runs} runs, --debug timestamps (median):`);
  console.log(`  compile in the parent  ${median(compile).toFixed(2)} ms (${median(compileCpu).toFixed(2)} ms of CPU)`);
  console.log(`  load in the stage      ${median(load).toFixed(2)} ms`);

  const out = join(state, "hyperfine.json");
  const cmd = (bundle: string, id: string): string => `${BIN} --root ${state} run --bundle ${bundle} ${id}`;
  const h = Bun.spawnSync(["hyperfine", "-N", "--warmup", "3", "--runs", String(runs), "--export-json", out, "-n", "without seccomp", cmd(plain, "plain"), "-n", "Docker's profile", cmd(filtered, "filtered")], {
    stdout: "ignore",
    stderr: "pipe",
  });
  if (h.exitCode !== 0) throw new Error(`hyperfine failed: ${h.stderr.toString().trim()}`);
  const results = (JSON.parse(readFileSync(out, "utf8")) as { results: { command: string; median: number; user: number; system: number }[] }).results;
  const wall = results.map((r) => r.median * 1000);
  const cpu = results.map((r) => (r.user + r.system) * 1000);
  console.log(`hyperfine -N, ${runs} runs each, one invocation: bunker run of /bin/true (median wall time; mean user+system CPU)`);
  for (const [i, r] of results.entries()) console.log(`  ${r.command.padEnd(16)} ${wall[i]!.toFixed(1)} ms   ${cpu[i]!.toFixed(1)} ms of CPU`);
  console.log(`  difference       ${(wall[1]! - wall[0]!).toFixed(1)} ms   ${(cpu[1]! - cpu[0]!).toFixed(1)} ms of CPU`);
} finally {
  for (const d of [state, plain, filtered]) rmSync(d, { recursive: true, force: true });
}
