// What every bench prints beside its figures: the machine's load (timings on a busy machine are not comparable), and
// the Bun floor, the start and exit of a compiled Bun hello world, the least any Bun program pays per process.
import { loadavg } from "node:os";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const loadLine = (): string => {
  const [one, five, fifteen] = loadavg().map((l) => l.toFixed(2));
  return `load average ${one}, ${five}, ${fifteen} (1, 5, 15 min) on ${navigator.hardwareConcurrency} cores`;
};

/** A compiled hello world as bunker itself is built (--minify --bytecode), in a temp dir; `remove` deletes it. */
export const buildHello = (): { path: string; remove(): void } => {
  const dir = mkdtempSync(join(tmpdir(), "bench-hello-"));
  writeFileSync(join(dir, "hello.ts"), 'console.log("hello");\n');
  const out = join(dir, "hello");
  const p = Bun.spawnSync([process.execPath, "build", "--compile", "--minify", "--bytecode", join(dir, "hello.ts"), "--outfile", out], { stdout: "ignore", stderr: "pipe" });
  if (p.exitCode !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`Building the Bun hello world failed: ${p.stderr.toString().trim()}`);
  }
  return { path: out, remove: () => rmSync(dir, { recursive: true, force: true }) };
};
