// bench:logs: bytes written to "flash" per hour by a chatty service's log (one line every 100 ms), bunker's log ring
// vs Docker's json-file driver, side by side in one run. Each writer gets its own ext4 file system on a loop device,
// and the device's own count of sectors written (/sys/block/loopN/stat) is the figure: data, metadata and the ext4
// journal, as the flash would see them. dockerd runs with its own data-root, exec-root and socket (no iptables, no
// bridge) and is stopped by its pid; its busybox image is made with umoci and skopeo from Debian's busybox-static.
// usage (root): bun tests/bench/logs-flash.ts [--minutes 10] [--configs FLUSH_MS:BUFFER_BYTES,...] (default: 5000:16384 and
// bunker's defaults, 30000:65536)
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeBundle } from "../support/bundle.ts";
import { arg, runCleanups, sh, until } from "../support/bench-tools.ts";
import { BIN as BUILT } from "../support/cli.ts";
import { BUSYBOX_IMAGE, busyboxImage } from "../support/busybox-image.ts";

const MINUTES = Number(arg("--minutes", "10"));
const CONFIGS = arg("--configs", "5000:16384,30000:65536").split(",").map((c) => ({ flushMs: Number(c.split(":")[0]), bufferBytes: Number(c.split(":")[1]) }));
const LINE = 'i=0; while :; do i=$((i+1)); echo "chatty service: heartbeat $i, all systems nominal"; sleep 0.1; done';

/** An ext4 file system on a loop device of its own: the flash of one writer. */
const flash = (dir: string, name: string) => {
  const img = join(dir, `${name}.img`);
  sh(["truncate", "-s", "1G", img], "make the image");
  // Inode tables and journal zeroed now: ext4's lazy init would otherwise write them in the background, during the measurement.
  sh(["mkfs.ext4", "-q", "-F", "-E", "lazy_itable_init=0,lazy_journal_init=0", img], "mkfs");
  const dev = sh(["losetup", "-f", "--show", img], "losetup");
  const mnt = join(dir, name);
  mkdirSync(mnt);
  sh(["mount", "-o", "noatime", dev, mnt], "mount");
  const sectors = (): number => Number(readFileSync(`/sys/block/${dev.replace("/dev/", "")}/stat`, "utf8").trim().split(/\s+/)[6]);
  return {
    mnt, sectors,
    cleanup() {
      Bun.spawnSync(["umount", mnt]);
      Bun.spawnSync(["losetup", "-d", dev]);
    },
  };
};

const main = async (): Promise<void> => {
  if (process.getuid?.() !== 0) throw new Error("bench:logs needs root (loop devices, mounts, dockerd)");
  for (const tool of ["dockerd", "docker", "umoci", "skopeo", "losetup", "mkfs.ext4"])
    if (Bun.spawnSync(["sh", "-c", `command -v ${tool}`]).exitCode !== 0) throw new Error(`bench:logs needs '${tool}' (apt-get install docker.io umoci skopeo e2fsprogs)`);
  const dir = mkdtempSync("/var/tmp/bunker-bench-logs-");
  const cleanups: (() => unknown)[] = [() => rmSync(dir, { recursive: true, force: true })];
  // A copy: the build may replace dist/ while the bench's daemons run.
  const BIN = join(dir, "bunker");
  copyFileSync(BUILT, BIN);
  chmodSync(BIN, 0o755);
  try {
    const load = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
    console.log(`bench:logs: ${MINUTES} min, one line per 100 ms; load average ${load}`);
    // bunker: one daemon per flush setting, each with its log ring on its own flash.
    const bundle = makeBundle(["sh"]);
    cleanups.push(() => rmSync(bundle, { recursive: true, force: true }));
    const bunkers = CONFIGS.map(({ flushMs, bufferBytes }) => {
      const f = flash(dir, `bunker-${flushMs}`);
      cleanups.push(() => f.cleanup());
      const root = mkdtempSync("/run/bunker-bench-logs-");
      chmodSync(root, 0o711);
      cleanups.push(() => rmSync(root, { recursive: true, force: true }));
      writeFileSync(join(root, ".daemon.json"), JSON.stringify({ logs: { dir: join(f.mnt, "logs"), flushMs, bufferBytes }, lockMemory: false }));
      const daemon = Bun.spawn([BIN, "--root", root, "--journal", "none", "daemon", "--config", join(root, ".daemon.json")], { stdout: "ignore", stderr: "inherit" });
      cleanups.push(async () => {
        daemon.kill("SIGTERM");
        await daemon.exited;
      });
      return { flushMs, bufferBytes, f, root, daemon };
    });
    await until("the bunker daemons", () => bunkers.every((b) => existsSync(join(b.root, ".daemon.sock"))));
    for (const b of bunkers) {
      const target = join(b.root, ".target.json");
      writeFileSync(target, JSON.stringify({ device: "bench", version: "1", services: { chatty: { bundle, args: ["sh", "-c", LINE], logs: { maxBytes: "1M" }, stopGracePeriod: "1s" } } }));
      sh([BIN, "--root", b.root, "--journal", "none", "apply", target], "bunker apply");
    }
    // Docker: its own daemon on its own flash, json-file logs (its default driver), runc.
    const d = flash(dir, "docker");
    cleanups.push(() => d.cleanup());
    const sock = join(dir, "docker.sock");
    const execRoot = mkdtempSync("/run/bunker-bench-docker-");
    cleanups.push(() => rmSync(execRoot, { recursive: true, force: true }));
    const dockerd = Bun.spawn(
      ["dockerd", "--data-root", join(d.mnt, "docker"), "--exec-root", execRoot, "--pidfile", join(execRoot, "dockerd.pid"), "-H", `unix://${sock}`, "--iptables=false", "--bridge=none", "--log-driver", "json-file"],
      { stdout: "ignore", stderr: Bun.file(join(dir, "dockerd.log")) },
    );
    cleanups.push(async () => {
      dockerd.kill("SIGTERM");
      await dockerd.exited;
    });
    const docker = (...args: string[]): string => sh(["docker", "-H", `unix://${sock}`, ...args], `docker ${args[0]}`);
    await until("dockerd", () => existsSync(sock) && Bun.spawnSync(["docker", "-H", `unix://${sock}`, "info"], { stdout: "ignore", stderr: "ignore" }).exitCode === 0);
    docker("load", "-i", busyboxImage(dir));
    const id = docker("run", "-d", "--network", "none", BUSYBOX_IMAGE, "sh", "-c", LINE);
    cleanups.push(() => Bun.spawnSync(["docker", "-H", `unix://${sock}`, "rm", "-f", id]));

    // Settle (image load, start-up writes), then measure the steady state.
    await Bun.sleep(30_000);
    const before = { bunker: bunkers.map((b) => b.f.sectors()), docker: d.sectors() };
    const t0 = performance.now();
    await Bun.sleep(MINUTES * 60_000);
    const hours = (performance.now() - t0) / 3_600_000;
    const perHour = (s0: number, s1: number): number => ((s1 - s0) * 512) / hours;
    const rows: [string, number][] = [
      ...bunkers.map((b, i): [string, number] => [`bunker ring (${b.flushMs / 1000} s / ${b.bufferBytes >> 10} KiB)`, perHour(before.bunker[i]!, b.f.sectors())]),
      ["docker json-file", perHour(before.docker, d.sectors())],
    ];
    const dockerRate = rows.at(-1)![1];
    console.log("\nwriter                              bytes/hour on the device   vs docker");
    for (const [name, rate] of rows) console.log(`${name.padEnd(36)}${(rate / 2 ** 20).toFixed(2).padStart(12)} MiB${(rate / dockerRate).toFixed(2).padStart(14)}x`);
    const logical = Number(sh(["sh", "-c", `stat -c %s ${join(d.mnt, "docker/containers")}/*/*-json.log`], "docker log size"));
    const ring = Number(sh(["sh", "-c", `cat ${join(bunkers[0]!.f.mnt, "logs")}/chatty.log* | wc -c`], "bunker log size"));
    const minutes = ((performance.now() - t0) / 60_000 + 0.5).toFixed(1);
    console.log(`after ${minutes} min: docker's json-file log holds ${(logical / 2 ** 20).toFixed(2)} MiB (unbounded by default), bunker's ring ${(ring / 2 ** 20).toFixed(2)} MiB (bounded: 1 MiB)`);
  } finally {
    await runCleanups("bench:logs", cleanups);
  }
};

await main();
