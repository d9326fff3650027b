// The memory floor: the smallest memory limit (memory = memory+swap, so nothing hides in swap) under which
// `<runtime> run` of a busybox bundle running /bin/true still succeeds, found by bisection, for bunker, crun and runc
// side by side. crun refuses this host's hybrid layout, so it runs in a private mount namespace with
// /sys/fs/cgroup/unified unmounted (see NOTES). Usage:
//   bun tests/bench/memory-floor.ts [--bin PATH] [--runtimes bunker,crun,runc] [--tries 3] [--resolution 16384]
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { makeBundle } from "../support/bundle.ts";
import { BIN } from "../support/cli.ts";

const { values } = parseArgs({
  options: {
    bin: { type: "string", default: BIN },
    runtimes: { type: "string", default: "bunker,crun,runc" },
    tries: { type: "string", default: "3" },
    resolution: { type: "string", default: String(16 << 10) },
    high: { type: "string", default: String(64 << 20) },
    confirm: { type: "string", default: "20" },
  },
});

const PAGE = 4096;
const tries = Number(values.tries);
const resolution = Number(values.resolution);

interface Runtime {
  name: string;
  argv(root: string, id: string): string[];
}

const RUNTIMES: Record<string, Runtime> = {
  bunker: { name: "bunker", argv: (root, id) => [values.bin!, "--root", root, "run", id] },
  runc: { name: "runc", argv: (root, id) => ["runc", "--root", root, "run", id] },
  crun: {
    name: "crun",
    argv: (root, id) => ["unshare", "-m", "--", "sh", "-c", `umount /sys/fs/cgroup/unified 2>/dev/null; exec crun --root ${root} run ${id}`],
  },
};

const missing = (r: Runtime): string | undefined => {
  const exe = r.name === "bunker" ? values.bin! : r.name;
  if (r.name === "bunker") return existsSync(exe) ? undefined : `${exe} is missing (run 'bun build.ts bunker-linux-x64')`;
  return Bun.which(exe) ? undefined : `${exe} is not installed (apt-get install ${exe})`;
};

let seq = 0;

/** One `run` under `limit`: exit status and the first line of stderr. */
const attempt = (r: Runtime, bundle: string, root: string, limit: number): { ok: boolean; why: string } => {
  const cfg = JSON.parse(readFileSync(join(bundle, "config.json"), "utf8"));
  // crun 1.8 refuses runtime-spec versions newer than it knows; 1.0.2 means the same config to all three.
  cfg.ociVersion = "1.0.2";
  cfg.linux.resources = { memory: { limit, swap: limit } };
  writeFileSync(join(bundle, "config.json"), JSON.stringify(cfg));
  const id = `floor-${process.pid}-${seq++}`;
  const p = Bun.spawnSync(r.argv(root, id), { cwd: bundle, stdout: "ignore", stderr: "pipe" });
  // A failed start can leave state behind in any runtime: take it down so the next try starts clean.
  const del = r.name === "crun" ? RUNTIMES.crun!.argv(root, id).map((a) => a.replace(` run ${id}`, ` delete -f ${id}`)) : [r.argv(root, id)[0]!, "--root", root, "delete", "-f", id];
  Bun.spawnSync(del, { stdout: "ignore", stderr: "ignore" });
  const code = p.exitCode ?? 128 + 9;
  return { ok: code === 0, why: code === 0 ? "" : `exit ${code}: ${p.stderr.toString().trim().split("\n")[0] ?? ""}` };
};

const fmt = (bytes: number): string => (bytes >= 1 << 20 ? `${(bytes / 2 ** 20).toFixed(2)} MiB` : `${(bytes / 1024).toFixed(0)} KiB`);

/** Near the floor a start can fail or not (what else the kernel charges varies), so the floor found is run
 * `--confirm` more times and the success ratio reported with it. */
const floorOf = (r: Runtime): { floor: number; below: string; runs: number; confirmed: string } => {
  const bundle = makeBundle(["/bin/true"]);
  const root = mkdtempSync(join(tmpdir(), `floor-${r.name}-`));
  let runs = 0;
  const passes = (limit: number): { ok: boolean; why: string } => {
    for (let i = 0; i < tries; i++) {
      runs++;
      const a = attempt(r, bundle, root, limit);
      if (!a.ok) return a;
    }
    return { ok: true, why: "" };
  };
  try {
    let hi = Number(values.high);
    const top = passes(hi);
    if (!top.ok) return { floor: Number.NaN, below: `fails even at ${fmt(hi)}: ${top.why}`, runs, confirmed: "-" };
    let lo = 0;
    let below = "";
    while (hi - lo > resolution) {
      const mid = Math.floor((lo + hi) / 2 / PAGE) * PAGE;
      const a = passes(mid);
      if (a.ok) hi = mid;
      else [lo, below] = [mid, a.why];
    }
    const n = Number(values.confirm);
    let ok = 0;
    for (let i = 0; i < n; i++) if (attempt(r, bundle, root, hi).ok) ok++;
    return { floor: hi, below, runs: runs + n, confirmed: `${ok}/${n}` };
  } finally {
    rmSync(bundle, { recursive: true, force: true });
    rmSync(root, { recursive: true, force: true });
  }
};

if (process.getuid?.() !== 0) {
  console.error("memory-floor: needs root (cgroups, namespaces)");
  process.exit(2);
}
console.log(`memory floor of 'run /bin/true' (busybox bundle), bisected to ${fmt(resolution)}, ${tries} successes required per step`);
console.log(`${"runtime".padEnd(8)} ${"floor".padStart(10)}  ${"ok at floor".padStart(11)}  ${"runs".padStart(5)}  last failure below the floor`);
const floors: Record<string, number> = {};
for (const name of values.runtimes!.split(",")) {
  const r = RUNTIMES[name];
  if (!r) throw new Error(`Unknown runtime: '${name}' (known: ${Object.keys(RUNTIMES).join(", ")})`);
  const why = missing(r);
  if (why) {
    console.log(`${name.padEnd(8)} ${"skipped".padStart(10)}  ${why}`);
    continue;
  }
  const f = floorOf(r);
  floors[name] = f.floor;
  console.log(`${name.padEnd(8)} ${(Number.isNaN(f.floor) ? "-" : fmt(f.floor)).padStart(10)}  ${f.confirmed.padStart(11)}  ${String(f.runs).padStart(5)}  ${f.below}`);
}
const base = floors.bunker;
if (base) for (const [name, f] of Object.entries(floors)) if (name !== "bunker" && f) console.log(`bunker / ${name}: ${(base / f).toFixed(2)}x`);
