// `bunker run` vs `crun run` vs `runc run` of the same busybox bundle running /bin/true, interleaved, in one run.
// crun refuses this host's hybrid cgroup layout, so all three run inside one private mount namespace with
// /sys/fs/cgroup/unified unmounted (NOTES.md): the same conditions for each.
//   usage: bun tests/bench/start.ts [runs=50]
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { median } from "../../board/median.ts";
import { makeBundle } from "../support/bundle.ts";
import { BIN } from "../support/cli.ts";

const INNER = "BUNKER_BENCH_INNER";

if (!process.env[INNER]) {
  const p = Bun.spawnSync(["unshare", "-m", "--propagation", "private", "--", process.execPath, import.meta.path, ...process.argv.slice(2)], {
    env: { ...process.env, [INNER]: "1" },
    stdio: ["inherit", "inherit", "inherit"],
  });
  process.exit(p.exitCode ?? 1);
}

const runs = Number(process.argv[2] ?? 50);
if (existsSync("/sys/fs/cgroup/unified/cgroup.controllers")) Bun.spawnSync(["umount", "/sys/fs/cgroup/unified"]);
// crun 1.8 only takes ociVersion 1.0.x.
const bundle = makeBundle(["/bin/true"], (c) => ({ ...c, ociVersion: "1.0.2" }));
const state = mkdtempSync(join(tmpdir(), "bench-state-"));

const runtimes: Record<string, (id: string) => string[]> = {
  bunker: (id) => [BIN, "--root", join(state, "bunker"), "run", "--bundle", bundle, id],
  crun: (id) => ["crun", "--root", join(state, "crun"), "run", "--bundle", bundle, id],
  runc: (id) => ["runc", "--root", join(state, "runc"), "run", "--bundle", bundle, id],
};
const available = Object.keys(runtimes).filter((r) => r === "bunker" || Bun.which(r));
const times: Record<string, number[]> = Object.fromEntries(available.map((r) => [r, []]));

for (let i = -3; i < runs; i++) {
  for (const r of available) {
    const t0 = performance.now();
    const p = Bun.spawnSync(runtimes[r]!(`${r}-${i + 3}`), { stdout: "ignore", stderr: "pipe" });
    const dt = performance.now() - t0;
    if (p.exitCode !== 0) {
      console.error(`${r} failed (exit ${p.exitCode}): ${p.stderr.toString().trim()}`);
      process.exit(1);
    }
    if (i >= 0) times[r]!.push(dt); // the first three rounds warm the page cache
  }
}

const med = Object.fromEntries(available.map((r) => [r, median(times[r]!)!]));
console.log(`run of /bin/true in a busybox bundle, ${runs} interleaved runs each (median wall time)`);
for (const r of available) {
  const ratios = available.filter((o) => o !== r).map((o) => `${(med[r]! / med[o]!).toFixed(2)}x ${o}`);
  console.log(`  ${r.padEnd(7)} ${med[r]!.toFixed(1).padStart(7)} ms   ${r === "bunker" ? ratios.join(", ") : ""}`);
}
rmSync(state, { recursive: true, force: true });
rmSync(bundle, { recursive: true, force: true });
