// The board's initramfs: busybox, the kernel modules in load order and the two boot stages (guest/*.sh). A job is a
// second, tiny archive appended to the first: the kernel unpacks concatenated archives in turn, so the large part is
// built once and each boot only adds its job.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type CpioEntry, newcArchive } from "./cpio.ts";
import type { ModuleInfo } from "./kmod.ts";

const GUEST_DIR = join(import.meta.dir, "guest");

export interface InitramfsInputs {
  busybox: string;
  /** lib/modules/<version> of the unpacked kernel package. */
  modulesDir: string;
  modules: readonly ModuleInfo[];
}

const flatName = (m: ModuleInfo): string => `${m.name}.ko`;

/** The gzip'd base archive. */
export const baseInitramfs = (inputs: InitramfsInputs): Uint8Array => {
  const file = (path: string, data: Uint8Array, mode = 0o644): CpioEntry => ({ kind: "file", path, data, mode });
  const entries: CpioEntry[] = [
    ...["bin", "dev", "proc", "sys", "newroot", "etc", "etc/board", "lib", "lib/modules"].map((path): CpioEntry => ({ kind: "dir", path })),
    // The kernel opens /dev/console for init's stdio before anything is mounted.
    { kind: "chardev", path: "dev/console", major: 5, minor: 1 },
    file("bin/busybox", readFileSync(join(inputs.busybox, "bin/busybox")), 0o755),
    file("init", readFileSync(join(GUEST_DIR, "init.sh")), 0o755),
    file("etc/board/stage2.sh", readFileSync(join(GUEST_DIR, "stage2.sh")), 0o755),
    file("etc/board/modules", Buffer.from(inputs.modules.map((m) => `${flatName(m)}\n`).join(""))),
    ...inputs.modules.map((m) => file(`lib/modules/${flatName(m)}`, readFileSync(join(inputs.modulesDir, m.path)))),
  ];
  return Bun.gzipSync(newcArchive(entries), { level: 6 });
};

/**
 * The gzip'd archive carrying one job script, to append to the base archive. With an `inittab`, stage 2 hands the
 * board to busybox init (PID 1) with it instead of running the job itself: the inittab runs the job.
 */
export const jobInitramfs = (script: string, inittab?: string): Uint8Array =>
  Bun.gzipSync(
    newcArchive([
      { kind: "file", path: "etc/board/job.sh", data: Buffer.from(script), mode: 0o755 },
      ...(inittab === undefined ? [] : [{ kind: "file" as const, path: "etc/board/inittab", data: Buffer.from(inittab), mode: 0o644 }]),
    ]),
    { level: 6 },
  );
