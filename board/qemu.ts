// One boot of the emulated board: QEMU with the board's kernel, initramfs and disk; the serial console as lines, each
// with the milliseconds since QEMU started; waiting for a line; a power cut (kill -9 of QEMU).
import type { Subprocess } from "bun";
import type { BoardProfile } from "./profile.ts";

export interface BootImages {
  kernel: string;
  initrd: string;
  disk: string;
  /** More QEMU devices, e.g. "i6300esb" (a PCI watchdog; a reset then ends QEMU, which runs with -no-reboot). */
  devices?: readonly string[];
  /**
   * A virtio network card on QEMU's user-mode network (the guest is 10.0.2.15/24; 10.0.2.2 reaches the host's
   * loopback), instead of none: a board pulling from a registry on the host.
   */
  hostNetwork?: boolean;
}

export interface ConsoleLine {
  text: string;
  ms: number;
}

export interface BootEnd {
  /** QEMU's exit code, or null when it was killed. */
  code: number | null;
  /** The job's status from the `BOARD-JOB-EXIT n` line, or null if the board never said. */
  jobExit: number | null;
  /** Whether the power was cut on purpose. */
  cut: boolean;
  ms: number;
}

export const qemuArgs = (profile: BoardProfile, images: BootImages): string[] => {
  const qemu = profile.qemu;
  if (!qemu) throw new Error(`Boot board '${profile.name}': profile has no 'qemu' section: it is not an emulated board`);
  return [
    "qemu-system-aarch64",
    "-M", qemu.machine,
    "-cpu", qemu.cpu,
    "-smp", String(profile.cpu.cores),
    "-m", String(profile.memoryMiB),
    "-nographic", "-no-reboot", "-nic", images.hostNetwork ? "user,model=virtio-net-pci" : "none",
    "-kernel", images.kernel,
    "-initrd", images.initrd,
    "-append", "console=ttyAMA0 panic=-1 loglevel=4 rdinit=/init",
    "-drive", `file=${images.disk},format=raw,if=none,id=disk0,cache=writeback`,
    "-device", "virtio-blk-pci,drive=disk0",
    ...(images.devices ?? []).flatMap((d) => ["-device", d]),
  ];
};

type Waiter = { re: RegExp; resolve: (l: ConsoleLine) => void };

export class BoardBoot {
  readonly lines: ConsoleLine[] = [];
  readonly ended: Promise<BootEnd>;
  private readonly proc: Subprocess<"ignore", "pipe", "pipe">;
  private readonly start = performance.now();
  private waiters: Waiter[] = [];
  private cutDone = false;
  private jobExit: number | null = null;

  constructor(
    profile: BoardProfile,
    images: BootImages,
    private readonly onLine: (l: ConsoleLine) => void = () => {},
  ) {
    const proc = Bun.spawn(qemuArgs(profile, images), { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    this.proc = proc;
    const stderr = new Response(proc.stderr).text();
    this.ended = (async () => {
      await this.pump(proc.stdout);
      const code = await proc.exited;
      const err = (await stderr).trim();
      if (err && !this.cutDone) this.push(`[qemu stderr] ${err}`);
      return { code: this.cutDone ? null : code, jobExit: this.jobExit, cut: this.cutDone, ms: this.elapsed() };
    })();
  }

  elapsed(): number {
    return Math.round(performance.now() - this.start);
  }

  private push(text: string): void {
    const line = { text, ms: this.elapsed() };
    this.lines.push(line);
    const m = /^BOARD-JOB-EXIT (\d+)/.exec(text);
    if (m) this.jobExit = Number(m[1]);
    this.onLine(line);
    const hit = this.waiters.filter((w) => w.re.test(text));
    this.waiters = this.waiters.filter((w) => !hit.includes(w));
    for (const w of hit) w.resolve(line);
  }

  private async pump(stdout: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let rest = "";
    for await (const chunk of stdout) {
      rest += decoder.decode(chunk, { stream: true });
      const parts = rest.split("\n");
      rest = parts.pop()!;
      for (const p of parts) this.push(p.replace(/\r$/, ""));
    }
    if (rest) this.push(rest);
  }

  /** The first console line (from now on, or already seen) matching `re`; rejects on timeout or when the board stops. */
  waitFor(re: RegExp, timeoutMs: number): Promise<ConsoleLine> {
    const seen = this.lines.find((l) => re.test(l.text));
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`Wait for board console line ${re}: timed out after ${timeoutMs} ms`)), timeoutMs);
      const waiter: Waiter = { re, resolve: (l) => (clearTimeout(timer), resolve(l)) };
      this.waiters.push(waiter);
      void this.ended.then(() => {
        clearTimeout(timer);
        if (this.waiters.includes(waiter)) reject(new Error(`Wait for board console line ${re}: the board stopped first`));
      });
    });
  }

  /** Cuts the power: QEMU dies at once, so what the guest had not flushed to the disk image is lost. */
  cutPower(): Promise<BootEnd> {
    this.cutDone = true;
    this.proc.kill("SIGKILL");
    return this.ended;
  }
}
