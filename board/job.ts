// One boot of the board that runs a shell script and powers off, optionally cut short by a power cut.
// usage: bun board/job.ts [--profile NAME] [--disk IMAGE] '<busybox sh script>'
import { join } from "node:path";
import { type BoardBase, BUILD_DIR, prepareBase, writeJobInitrd } from "./assemble.ts";
import { type BoardProfile, loadProfile } from "./profile.ts";
import { BoardBoot, type BootEnd, type ConsoleLine } from "./qemu.ts";

/** When to cut the power: after a console line matching `line`, or `ms` after QEMU started, plus `delayMs`. */
export type CutAt = { line: RegExp; delayMs?: number } | { ms: number };

export interface JobOptions {
  profile: BoardProfile;
  base: BoardBase;
  disk: string;
  script: string;
  /** Name for this boot's initramfs file in the build directory. */
  name: string;
  onLine?: (l: ConsoleLine) => void;
  cut?: CutAt;
  timeoutMs?: number;
  /** More QEMU devices (see BootImages). */
  devices?: readonly string[];
  /** A network card reaching the host (see BootImages). */
  hostNetwork?: boolean;
  /** An /etc/inittab: the board then boots into busybox init, which runs the job as it says (see guest/stage2.sh). */
  inittab?: string;
}

export interface JobResult extends BootEnd {
  lines: ConsoleLine[];
  /** Console time of the cut, when there was one. */
  cutAtMs?: number;
}

export const runJob = async (o: JobOptions): Promise<JobResult> => {
  const initrd = writeJobInitrd(o.base, o.script, join(BUILD_DIR, `initramfs-${o.name}.cpio.gz`), o.inittab);
  const boot = new BoardBoot(o.profile, { kernel: o.base.kernel, initrd, disk: o.disk, ...(o.devices ? { devices: o.devices } : {}), ...(o.hostNetwork ? { hostNetwork: true } : {}) }, o.onLine);
  const timeoutMs = o.timeoutMs ?? 5 * 60_000;
  const timer = setTimeout(() => void boot.cutPower(), timeoutMs);
  let cutAtMs: number | undefined;
  const cut = async (): Promise<void> => {
    cutAtMs = boot.elapsed();
    await boot.cutPower();
  };
  if (o.cut && "ms" in o.cut) {
    const at = o.cut.ms;
    setTimeout(() => void cut(), at);
  } else if (o.cut) {
    const { line, delayMs = 0 } = o.cut;
    boot
      .waitFor(line, timeoutMs)
      .then(() => setTimeout(() => void cut(), delayMs))
      .catch(() => {});
  }
  const end = await boot.ended;
  clearTimeout(timer);
  if (end.cut && cutAtMs === undefined) throw new Error(`Run board job '${o.name}': no result in ${timeoutMs / 1000} s: power cut`);
  return { ...end, lines: boot.lines, ...(cutAtMs !== undefined ? { cutAtMs } : {}) };
};

if (import.meta.main) {
  const args = process.argv.slice(2);
  const opt = (name: string): string | undefined => {
    const i = args.indexOf(name);
    return i >= 0 ? args.splice(i, 2)[1] : undefined;
  };
  const profile = loadProfile(opt("--profile") ?? "qemu-virt-a53");
  const disk = opt("--disk") ?? join(BUILD_DIR, "disk.img");
  const script = args.join(" ");
  if (!script) {
    console.error("usage: bun board/job.ts [--profile NAME] [--disk IMAGE] '<script>'");
    process.exit(2);
  }
  const base = prepareBase((l) => console.error(`job: ${l}`));
  const end = await runJob({ profile, base, disk, script, name: "job", onLine: (l) => console.log(l.text) });
  process.exitCode = end.jobExit ?? 1;
}
