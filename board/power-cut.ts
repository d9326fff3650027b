// Power cuts for the checkpoint and OTA work: boot the board on a disk image, run a script, kill -9 QEMU at a chosen
// moment (a console line, or N ms after start), then boot again on the same image and run a second script.
// usage: bun board/power-cut.ts --disk IMAGE --run '<script>' (--after-line REGEX [--delay MS] | --after-ms MS) --then '<script>'
import { join } from "node:path";
import { type BoardBase, BUILD_DIR, prepareBase } from "./assemble.ts";
import { type CutAt, type JobResult, runJob } from "./job.ts";
import { type BoardProfile, loadProfile } from "./profile.ts";
import type { ConsoleLine } from "./qemu.ts";

export interface PowerCutOptions {
  profile: BoardProfile;
  base: BoardBase;
  disk: string;
  /** Runs on the first boot; the power goes while it runs. */
  run: string;
  cut: CutAt;
  /** Runs on the second boot, after the kernel has replayed the filesystem's journal. */
  then: string;
  onLine?: (boot: 1 | 2, l: ConsoleLine) => void;
}

export interface PowerCutResult {
  first: JobResult;
  second: JobResult;
}

export const powerCut = async (o: PowerCutOptions): Promise<PowerCutResult> => {
  const first = await runJob({
    profile: o.profile,
    base: o.base,
    disk: o.disk,
    script: o.run,
    name: "power-cut-1",
    cut: o.cut,
    ...(o.onLine ? { onLine: (l: ConsoleLine) => o.onLine!(1, l) } : {}),
  });
  if (!first.cut) throw new Error(`Cut the board's power: the first boot ended by itself (job exit ${first.jobExit}) before the cut`);
  const second = await runJob({
    profile: o.profile,
    base: o.base,
    disk: o.disk,
    script: o.then,
    name: "power-cut-2",
    ...(o.onLine ? { onLine: (l: ConsoleLine) => o.onLine!(2, l) } : {}),
  });
  return { first, second };
};

if (import.meta.main) {
  const args = process.argv.slice(2);
  const opt = (name: string): string | undefined => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const run = opt("--run");
  const then = opt("--then");
  const line = opt("--after-line");
  const ms = opt("--after-ms");
  if (!run || !then || (!line && !ms)) {
    console.error("usage: bun board/power-cut.ts [--profile NAME] [--disk IMAGE] --run '<script>' (--after-line REGEX [--delay MS] | --after-ms MS) --then '<script>'");
    process.exit(2);
  }
  const cut: CutAt = line ? { line: new RegExp(line), delayMs: Number(opt("--delay") ?? 0) } : { ms: Number(ms) };
  const result = await powerCut({
    profile: loadProfile(opt("--profile") ?? "qemu-virt-a53"),
    base: prepareBase((l) => console.error(`power-cut: ${l}`)),
    disk: opt("--disk") ?? join(BUILD_DIR, "disk.img"),
    run,
    cut,
    then,
    onLine: (boot, l) => console.log(`boot ${boot} [${(l.ms / 1000).toFixed(2)}s] ${l.text}`),
  });
  console.error(`power-cut: cut at ${result.first.cutAtMs} ms; second boot's job exit ${result.second.jobExit}`);
  process.exitCode = result.second.jobExit ?? 1;
}
