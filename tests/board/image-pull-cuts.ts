// Power cuts during a pull on the emulated board (issue 11): the board pulls an image from Debian's docker-registry on
// the host (QEMU's user-mode network: the host's loopback is 10.0.2.2), QEMU is killed (-9) at a random moment of the
// pull, and the next boot runs `bunker image verify` (it must be clean: every stored blob whole), then the same pull,
// which must resume (blobs stored before the cut kept, a partial layer continued from its checkpoint) and complete
// with the image the registry holds; verify again, then the image is removed and collected so that the same boot
// can start the next pull and be cut in it. N cuts take N + 1 boots.
// usage: bun tests/board/image-pull-cuts.ts [--cuts N] [--seed S] [--layer-mib M] [--no-build]
// tests/run.sh runs 2 cuts with a fresh seed; `npm run test:board:image-cuts` the full count (12).
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { build } from "../../build.ts";
import { BUILD_DIR, prepareBase, REPO_ROOT } from "../../board/assemble.ts";
import { makeExt4Image } from "../../board/disk-image.ts";
import { buildMinimalTree } from "../../board/disk-tree.ts";
import { runJob, type JobResult } from "../../board/job.ts";
import { loadProfile } from "../../board/profile.ts";
import { rng } from "../../runtime/durable/fault-storage.ts";
import { busyboxLayout, imageToolsMissing, pushLayout, startRegistry, tempDir, tool } from "../support/images.ts";

const args = process.argv.slice(2);
const opt = (name: string, dflt: number): number => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const cuts = opt("--cuts", 12);
const seed = opt("--seed", Date.now() % 100000);
const layerMiB = opt("--layer-mib", 40);
const rand = rng(seed);
const log = (line: string): void => console.error(`image-pull-cuts: ${line}`);

const WORK = join(BUILD_DIR, "image-pull-cuts");
const STORE = "/var/lib/bunker/images";
/** A boot's budget: boot, two verifies, a resumed pull and a new one at emulated speed. */
const BOOT_TIMEOUT_MS = 10 * 60_000;

interface Event {
  event: string;
  id?: string;
  total?: number;
  done?: number;
  outcome?: string;
  [k: string]: unknown;
}

/** The JSON after `PREFIX ` on each console line that has it. */
const events = (job: JobResult, prefix: string): Event[] =>
  job.lines.filter((l) => l.text.startsWith(`${prefix} {`)).map((l) => JSON.parse(l.text.slice(prefix.length + 1)) as Event);

/** The text after `PREFIX ` on the first console line that has it. */
const field = (job: JobResult, prefix: string): string | undefined => job.lines.find((l) => l.text.startsWith(`${prefix} `))?.text.slice(prefix.length + 1);

const mib = (n: number): string => `${(n / 2 ** 20).toFixed(1)} MiB`;

/**
 * One boot's script: after a cut, verify, the resumed pull, verify, then rm + gc; unless it is the last boot, a new
 * pull that the host cuts. Every result goes to the console with a tag; `set -o pipefail` keeps bunker's status.
 */
const script = (ref: string, afterCut: boolean, pull: boolean): string => {
  const b = `bunker --images ${STORE}`;
  const lines = [
    "set -o pipefail",
    "ip link set eth0 up && ip addr add 10.0.2.15/24 dev eth0 && ip route add default via 10.0.2.2 || echo 'PULLCUT-NO-NETWORK'",
  ];
  if (afterCut) {
    lines.push(
      `${b} image verify --json > /tmp/verify.json 2>&1; echo "PULLCUT-VERIFY $? $(tail -n 1 /tmp/verify.json)"`,
      `${b} image pull --insecure --json ${ref} 2>&1 | sed 's/^/PULLCUT-RESUME /'; echo "PULLCUT-RESUMED $?"`,
      `${b} image verify --json > /tmp/verify.json 2>&1; echo "PULLCUT-VERIFY-AFTER $? $(tail -n 1 /tmp/verify.json)"`,
      `echo "PULLCUT-INGEST $(ls ${STORE}/ingest | wc -l)"`,
      `${b} image rm ${ref} > /dev/null && ${b} image gc --partials > /dev/null; echo "PULLCUT-RESET $?"`,
    );
  }
  if (pull) lines.push("echo PULLCUT-START", `${b} image pull --insecure --json ${ref} 2>&1 | sed 's/^/PULLCUT-PULL /'; echo "PULLCUT-END $?"`);
  return lines.join("\n");
};

const main = async (): Promise<void> => {
  const missing = imageToolsMissing(["umoci", "skopeo", "docker-registry"]) ?? (Bun.which("qemu-system-aarch64") ? undefined : "needs qemu-system-aarch64 (npm run test:board installs it)");
  if (missing) throw new Error(`Image pull cuts on the board cannot run: ${missing}`);
  const profile = loadProfile("qemu-virt-a53");
  const base = prepareBase(log);
  if (!args.includes("--no-build")) {
    log("building dist/bunker-linux-arm64");
    await build(["bunker-linux-arm64"]);
  }
  rmSync(WORK, { recursive: true, force: true });
  const tree = join(WORK, "tree");
  buildMinimalTree(tree, base.packages["busybox-static"]);
  tool(["cp", "-a", join(base.packages.libc6, "lib"), tree]);
  mkdirSync(join(tree, "opt/bunker/bin"), { recursive: true });
  copyFileSync(join(REPO_ROOT, "dist/bunker-linux-arm64"), join(tree, "opt/bunker/bin/bunker"));
  tool(["chmod", "755", join(tree, "opt/bunker/bin/bunker")]);
  const disk = join(WORK, "disk.img");
  makeExt4Image(tree, disk, profile.storage.sizeMiB);

  // The image: umoci's busybox layers, a layer of random bytes (long enough to cut in; checkpoints come every 8 MiB),
  // then a small one; linux/arm64, so the board takes it as its own platform.
  const host = tempDir("bunker-pullcuts-");
  const registry = await startRegistry(join(host, "registry"));
  try {
    const layout = busyboxLayout(host);
    const files = join(host, "files");
    mkdirSync(files);
    tool(["sh", "-c", `head -c ${layerMiB * 2 ** 20} /dev/urandom > ${join(files, "big")} && head -c 65536 /dev/urandom > ${join(files, "small")}`]);
    tool(["umoci", "insert", "--image", `${layout}:latest`, join(files, "big"), "/big"]);
    tool(["umoci", "insert", "--image", `${layout}:latest`, join(files, "small"), "/small"]);
    tool(["umoci", "config", "--image", `${layout}:latest`, "--architecture", "arm64"]);
    const port = registry.host.split(":")[1]!;
    await pushLayout(layout, "latest", `${registry.host}/app:cuts`);
    const expected = JSON.parse(tool(["skopeo", "inspect", "--tls-verify=false", `docker://${registry.host}/app:cuts`])).Digest as string;
    const ref = `10.0.2.2:${port}/app:cuts`;
    log(`registry ${registry.host} (the board's ${ref}), image ${expected}, a ${layerMiB} MiB layer`);
    log(`seed ${seed} (--seed ${seed} repeats this run's cut moments)`);

    const failures: string[] = [];
    /** How long a cut may wait after the pull started: the last pull's length once one ran to its end. */
    let window = 15_000;
    let done = 0;
    let boots = 0;
    /** The boot before: where its pull was cut (undefined: it ran to its end, before the cut came). */
    let previous: { cutMs?: number; window: number } | undefined;
    while (done < cuts || previous) {
      const pull = done < cuts;
      const delayMs = Math.floor(rand() * window);
      boots++;
      const job = await runJob({
        profile, base, disk, hostNetwork: true, timeoutMs: BOOT_TIMEOUT_MS, name: `pull-cut-${boots}`,
        script: script(ref, previous !== undefined, pull),
        ...(pull ? { cut: { line: /^PULLCUT-START/, delayMs } } : {}),
      });
      if (process.env.CUT_DEBUG) for (const l of job.lines) log(`boot ${boots}: ${l.text}`);
      if (job.lines.some((l) => l.text === "PULLCUT-NO-NETWORK")) throw new Error(`boot ${boots}: the board's network did not come up`);
      if (previous) {
        // The boot after a cut: verify clean, the pull resumed and whole, verify clean again, nothing partial left.
        const problems: string[] = [];
        const verify = field(job, "PULLCUT-VERIFY") ?? "(none)";
        const [vrc, ...vjson] = verify.split(" ");
        const report = (() => {
          try {
            return JSON.parse(vjson.join(" ")) as { clean?: boolean; checked?: number; damaged?: unknown[]; missing?: unknown[] };
          } catch {
            return {};
          }
        })();
        if (vrc !== "0" || report.clean !== true) problems.push(`verify after the cut: ${verify}`);
        const resumed = events(job, "PULLCUT-RESUME");
        const result = resumed.find((e) => e.event === "result");
        if (field(job, "PULLCUT-RESUMED") !== "0" || result?.digest !== expected) problems.push(`the resumed pull: exit ${field(job, "PULLCUT-RESUMED")}, ${JSON.stringify(result ?? job.lines.filter((l) => l.text.startsWith("PULLCUT-RESUME ")).slice(-2).map((l) => l.text))}`);
        const after = field(job, "PULLCUT-VERIFY-AFTER") ?? "(none)";
        if (!after.startsWith("0 ") || !after.includes('"clean":true')) problems.push(`verify after the pull: ${after}`);
        if (field(job, "PULLCUT-INGEST") !== "0") problems.push(`${field(job, "PULLCUT-INGEST")} partial blobs left after the pull`);
        if (pull && field(job, "PULLCUT-RESET") !== "0") problems.push(`rm + gc: exit ${field(job, "PULLCUT-RESET")}`);
        // A blob continued from its partial file (a stored one begins with done = total).
        const partial = resumed.filter((e) => e.event === "begin" && (e.done ?? 0) > 0 && e.done! < e.total!).map((e) => `${mib(e.done!)} of ${mib(e.total!)}`);
        const kept = typeof result?.reused === "number" ? result.reused : 0;
        log(
          `${previous.cutMs === undefined ? "after an uncut pull" : `cut ${done}: ${previous.cutMs} ms into the pull (window ${previous.window} ms)`}; next boot: verify clean (${report.checked ?? "?"} blobs), pull resumed with ${kept} blobs kept${partial.length ? `, a layer continued at ${partial.join(", ")}` : ""}, ${result?.written ?? "?"} written${problems.length ? `: FAILED: ${problems.join("; ")}` : ", image whole"}`,
        );
        if (problems.length) failures.push(`${previous.cutMs === undefined ? "after an uncut pull" : `cut ${done}`}: ${problems.join("; ")}`);
        previous = undefined;
      }
      if (!pull) break;
      const start = job.lines.find((l) => l.text === "PULLCUT-START");
      if (!start) throw new Error(`boot ${boots}: the pull never started (console ends: ${job.lines.slice(-5).map((l) => l.text).join(" | ")})`);
      const end = job.lines.find((l) => l.text.startsWith("PULLCUT-END "));
      if (!job.cut && !end) throw new Error(`boot ${boots}: the pull never ended (console ends: ${job.lines.slice(-5).map((l) => l.text).join(" | ")})`);
      if (end) {
        // The pull ended before the cut: not a cut; the next window is within the length this pull took.
        if (end && end.text !== "PULLCUT-END 0") throw new Error(`boot ${boots}: the pull failed: ${job.lines.filter((l) => l.text.startsWith("PULLCUT-PULL ")).slice(-2).map((l) => l.text).join(" | ")}`);
        window = Math.max(1000, Math.floor((end!.ms - start.ms) * 0.9));
        log(`boot ${boots}: the pull ended after ${end!.ms - start.ms} ms, before the cut (${delayMs} ms): not counted; the window is now ${window} ms`);
        // Its store holds the whole image: the next boot still checks it and starts again from an empty store.
        previous = { window };
      } else {
        done++;
        previous = { cutMs: job.cutAtMs! - start.ms, window };
      }
    }
    console.log(`image pull power cuts on the board: ${cuts} (seed ${seed}, ${boots} boots), failures ${failures.length}`);
    for (const f of failures) console.log(`  ${f}`);
    console.log(`${cuts - failures.length} passed, ${failures.length} failed`);
    process.exitCode = failures.length ? 1 : 0;
  } finally {
    await registry.stop();
    rmSync(host, { recursive: true, force: true });
  }
};

await main();
