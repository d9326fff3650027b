// bench:idle: what a supervisor costs while nothing happens, side by side in one run on this host: `bunker daemon`
// supervising 10 quiet services vs containerd (its own root, state and socket; CRI off) with its runc shims running
// the same 10 containers (a busybox image made with umoci and skopeo, imported with ctr). Over a minute after they
// settle: resident set and anonymous memory of every process of each (the daemon; containerd and its shims),
// threads, wake-ups per second (context switches of every thread) and bytes written (/proc/<pid>/io).
// usage (root): bun tests/bench/idle.ts [--seconds 60]
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeBundle } from "../support/bundle.ts";
import { BUSYBOX_IMAGE, busyboxImage } from "../support/busybox-image.ts";
import { arg, runCleanups, sh, until } from "../support/bench-tools.ts";
import { BIN as BUILT } from "../support/cli.ts";

const SECONDS = Number(arg("--seconds", "60"));
const QUIET = "trap 'exit 0' TERM; while :; do sleep 3600; done";

interface Sample {
  rssKiB: number;
  anonKiB: number;
  threads: number;
  /** Context switches so far, per thread ("pid/tid"). */
  ctx: Map<string, number>;
  writeBytes: number;
}

/** Wake-ups between two samples: threads present in both by their difference, new ones by all they did. */
const wakeups = (a: Sample, b: Sample): number => [...b.ctx].reduce((n, [t, c]) => n + c - (a.ctx.get(t) ?? 0), 0);

const field = (text: string, name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)`, "m").exec(text)?.[1] ?? 0);

/** The figures of a set of processes, summed; threads' context switches counted one by one. */
const sample = (pids: number[]): Sample => {
  const out: Sample = { rssKiB: 0, anonKiB: 0, threads: 0, ctx: new Map(), writeBytes: 0 };
  for (const pid of pids) {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    out.rssKiB += field(status, "VmRSS");
    out.anonKiB += field(status, "RssAnon");
    const tasks = readdirSync(`/proc/${pid}/task`);
    out.threads += tasks.length;
    for (const t of tasks) {
      try {
        const ts = readFileSync(`/proc/${pid}/task/${t}/status`, "utf8");
        out.ctx.set(`${pid}/${t}`, field(ts, "voluntary_ctxt_switches") + field(ts, "nonvoluntary_ctxt_switches"));
      } catch {
        // A thread that ended meanwhile.
      }
    }
    out.writeBytes += field(readFileSync(`/proc/${pid}/io`, "utf8"), "write_bytes");
  }
  return out;
};

/** Processes whose command line contains `needle`. */
const pidsWith = (needle: string): number[] =>
  readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        return readFileSync(`/proc/${d}/cmdline`, "utf8").includes(needle);
      } catch {
        return false;
      }
    })
    .map(Number);

const main = async (): Promise<void> => {
  if (process.getuid?.() !== 0) throw new Error("bench:idle needs root");
  for (const tool of ["containerd", "ctr", "containerd-shim-runc-v2", "runc", "umoci", "skopeo"])
    if (!Bun.which(tool)) throw new Error(`bench:idle needs '${tool}' (apt-get install containerd runc umoci skopeo)`);
  const dir = mkdtempSync("/var/tmp/bunker-bench-idle-");
  const cleanups: (() => unknown)[] = [() => rmSync(dir, { recursive: true, force: true })];
  try {
    console.log(`bench:idle: 10 quiet services, ${SECONDS} s after 20 s of settling; load average ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}`);
    // bunker, from a copy of the executable (a build may replace dist/ meanwhile).
    const bin = join(dir, "bunker");
    copyFileSync(BUILT, bin);
    chmodSync(bin, 0o755);
    const root = mkdtempSync("/run/bunker-bench-idle-");
    chmodSync(root, 0o711);
    cleanups.push(() => rmSync(root, { recursive: true, force: true }));
    const bundle = makeBundle(["sh"]);
    cleanups.push(() => rmSync(bundle, { recursive: true, force: true }));
    const daemon = Bun.spawn([bin, "--root", root, "daemon"], { stdout: "ignore", stderr: "inherit" });
    cleanups.push(async () => {
      daemon.kill("SIGTERM");
      await daemon.exited;
    });
    await until("bunker's socket", () => existsSync(join(root, ".daemon.sock")));
    const target = join(dir, "target.json");
    writeFileSync(target, JSON.stringify({ device: "bench", version: "1", services: Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`idle${i}`, { bundle, args: ["sh", "-c", QUIET], stopGracePeriod: "1s" }])) }));
    sh([bin, "--root", root, "apply", target], "bunker apply");

    // containerd with its shims: CRI off, everything under `dir`.
    const sock = join(dir, "containerd.sock");
    const config = join(dir, "containerd.toml");
    writeFileSync(config, `version = 2\ndisabled_plugins = ["io.containerd.grpc.v1.cri"]\n`);
    const containerd = Bun.spawn(["containerd", "--config", config, "--root", join(dir, "ctr-root"), "--state", join(dir, "ctr-state"), "--address", sock], { stdout: "ignore", stderr: Bun.file(join(dir, "containerd.log")) });
    cleanups.push(async () => {
      containerd.kill("SIGTERM");
      await containerd.exited;
    });
    await until("containerd", () => existsSync(sock));
    const ctr = (...a: string[]): string => sh(["ctr", "--address", sock, ...a], `ctr ${a[0]}`);
    ctr("images", "import", busyboxImage(dir));
    const image = `docker.io/${BUSYBOX_IMAGE}`;
    for (let i = 0; i < 10; i++) {
      ctr("run", "-d", "--runc-binary", Bun.which("runc")!, image, `idle${i}`, "sh", "-c", QUIET);
      cleanups.push(() => {
        Bun.spawnSync(["ctr", "--address", sock, "task", "kill", "-s", "SIGKILL", `idle${i}`]);
        Bun.spawnSync(["ctr", "--address", sock, "task", "rm", "-f", `idle${i}`]);
        Bun.spawnSync(["ctr", "--address", sock, "container", "rm", `idle${i}`]);
      });
    }
    await Bun.sleep(20_000);
    const who = {
      bunker: () => [daemon.pid],
      containerd: () => [containerd.pid, ...pidsWith(sock).filter((p) => p !== containerd.pid && readFileSync(`/proc/${p}/cmdline`, "utf8").startsWith("/usr/bin/containerd-shim"))],
    };
    const shims = who.containerd().length - 1;
    const before = { bunker: sample(who.bunker()), containerd: sample(who.containerd()) };
    const t0 = performance.now();
    await Bun.sleep(SECONDS * 1000);
    const s = (performance.now() - t0) / 1000;
    const after = { bunker: sample(who.bunker()), containerd: sample(who.containerd()) };
    console.log(`\nwho                                   RSS MiB  anon MiB  threads  wake-ups/s  bytes written/hour`);
    for (const [name, label] of [["bunker", "bunker daemon (1 process)"], ["containerd", `containerd + ${shims} shims (${shims + 1} processes)`]] as const) {
      const a = after[name];
      const b = before[name];
      console.log(
        `${label.padEnd(36)}${(a.rssKiB / 1024).toFixed(1).padStart(8)}${(a.anonKiB / 1024).toFixed(1).padStart(10)}${String(a.threads).padStart(9)}${(wakeups(b, a) / s).toFixed(2).padStart(12)}${String(Math.round(((a.writeBytes - b.writeBytes) * 3600) / s)).padStart(20)}`,
      );
    }
  } finally {
    await runCleanups("bench:idle", cleanups);
  }
};

await main();
