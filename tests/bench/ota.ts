// `npm run bench:ota`: what an update costs on this host, with the compiled executable as root against Debian's
// docker-registry on loopback: bunker's peak RSS during an update that brings a 100 MiB image (one layer of random
// bytes) against one that brings a small image (the growth is what streaming must bound: <= 16 MiB), wall time from
// `bunker ota apply` to commit, the gap each switch strategy leaves, from the service manager's events (the old
// stop to the new one started, for stop-then-start; how long old and new overlap, for start-then-stop), and what a
// client connecting to the service's published port (bridge network, portmap) as fast as it can sees during each
// switch: failed connects (refused, or unanswered for 100 ms) and the longest outage. Prints one JSON document.
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BIN, bunker, newRoot } from "../support/cli.ts";
import { startRegistry, tempDir, toolAsync, versionedImage } from "../support/images.ts";
import { serviceEventLogPath, type ServiceEvent } from "../../runtime/supervisor/service-events.ts";

const work = tempDir("bunker-bench-ota-");
const root = newRoot();
const reg = await startRegistry(join(work, "registry"));
const g = ["--root", root, "--journal", join(work, "journal"), "--images", join(work, "store")];
const cli = (args: string[]) => bunker(root, g.slice(2).concat(args));
try {
  const images: Record<string, string> = {};
  for (const [tag, extra] of [["1", undefined], ["2", undefined], ["big", { file: "blob", bytes: 100 << 20 }], ["4", undefined], ["5", undefined]] as const) {
    const layout = versionedImage(work, tag, extra);
    await toolAsync(["skopeo", "copy", "--dest-tls-verify=false", `oci:${layout}:${tag}`, `docker://${reg.host}/app:${tag}`]);
    images[tag] = `${reg.host}/app@${(await toolAsync(["skopeo", "inspect", "--tls-verify=false", "--format", "{{.Digest}}", `docker://${reg.host}/app:${tag}`])).trim()}`;
  }
  mkdirSync(join(work, "trust"));
  cli(["ota", "keygen", join(work, "key")]);
  copyFileSync(join(work, "key.pub"), join(work, "trust", "k.pub"));
  const service = (image: string, strategy = "stop-then-start") => ({
    image, strategy, stopGracePeriod: "2s",
    args: ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 0.2; done"],
  });
  const update = (version: string, services: Record<string, unknown>) => {
    const t = join(work, `t${version}.json`);
    writeFileSync(t, JSON.stringify({ device: "bench", version, services }));
    const f = join(work, `u${version}.json`);
    const s = cli(["ota", "sign", "--key", join(work, "key.key"), "--gate-window", "1s", t]);
    writeFileSync(f, s.stdout);
    const started = performance.now();
    const p = Bun.spawnSync([BIN, ...g, "ota", "apply", "--insecure", "--trust", join(work, "trust"), "--json", f], { stdout: "pipe", stderr: "pipe" });
    const ms = performance.now() - started;
    if (p.exitCode !== 0) throw new Error(`Update ${version}: ${p.stderr.toString()}`);
    return { ms: Math.round(ms), maxRssMiB: Number(((p.resourceUsage?.maxRSS ?? 0) / 1024 / 1024).toFixed(1)) };
  };
  update("1", { web: service(images["1"]!) });
  const small = update("2", { web: service(images["2"]!) });
  const big = update("3", { web: service(images.big!) });
  const events = (): ServiceEvent[] => (existsSync(serviceEventLogPath(root)) ? readFileSync(serviceEventLogPath(root), "utf8").trim().split("\n").map((l) => JSON.parse(l)) : []);
  const gap = (version: string, strategy: string) => {
    const before = events().length;
    update(version, { web: service(images[version]!, strategy) });
    const e = events().slice(before).filter((x) => x.service === "web");
    const t = (pred: (x: ServiceEvent) => boolean) => Date.parse(e.find(pred)?.time ?? "");
    const step = (action: string, outcome: string) => t((x) => x.event === "step" && x.outcome === outcome && (x.detail ?? "").startsWith(`${action} web`));
    // stop-then-start: the service is down at most from the recreate's begin (the stop signal) to its end (the new
    // instance started). start-then-stop: the old instance's stop begins only after the new one was started (and
    // ready): the two overlap by that much and the service is never down.
    const r = strategy === "stop-then-start" ? { downAtMostMs: step("recreate", "done") - step("recreate", "begun") } : { overlapMs: step("stop", "begun") - step("start", "done") };
    if (Object.values(r).some(Number.isNaN)) throw new Error(`Switch of web (${strategy}): events ${JSON.stringify(e)}`);
    return { strategy, ...r };
  };
  const stopThenStart = gap("4", "stop-then-start");
  const startThenStop = gap("5", "start-then-stop");
  // A client connecting to the service's published port as fast as it can while the update switches it: refused
  // (or failed) connections and the longest run of them.
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const served = (image: string, strategy: string) => ({
    image, strategy, stopGracePeriod: "2s",
    args: ["/bin/busybox", "httpd", "-f", "-p", "80", "-h", "/"],
    network: { mode: "bridge", ports: [`127.0.0.1:${port}:80`] },
    healthCheck: { tcp: { port: 80 }, interval: "500ms", startInterval: "200ms", timeout: "2s", retries: 3 },
  });
  let lastFailure = "";
  /** One connect with a 100 ms bound (a SYN to an address no one answers for any more hangs, it is not refused). */
  const connectOnce = () =>
    new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => ((lastFailure = "unanswered"), resolve(false)), 100);
      const done = (ok: boolean, why = "") => (clearTimeout(timer), (lastFailure = why), resolve(ok));
      Bun.connect({ hostname: "127.0.0.1", port, socket: { open: (s) => (s.end(), done(true)), data() {}, connectError: () => done(false, "refused"), error: () => done(false, "error") } }).catch(() => done(false, "refused"));
    });
  const polled = async (version: string, strategy: string, image: string) => {
    const t = join(work, `t${version}.json`);
    writeFileSync(t, JSON.stringify({ device: "bench", version, services: { web: served(image, strategy) } }));
    const f = join(work, `u${version}.json`);
    writeFileSync(f, cli(["ota", "sign", "--key", join(work, "key.key"), "--gate-window", "1s", t]).stdout);
    const p = Bun.spawn([BIN, ...g, "ota", "apply", "--insecure", "--trust", join(work, "trust"), "--json", f], { stdout: "ignore", stderr: "pipe" });
    if (!(await connectOnce())) throw new Error(`the service is not reachable on 127.0.0.1:${port} before update ${version}`);
    let attempts = 0, failed = 0, failedMs = 0, run = 0, longest = 0;
    const kinds: Record<string, number> = {};
    const began = performance.now();
    const at: number[] = [];
    while (p.exitCode === null) {
      attempts++;
      const t0 = performance.now();
      if (await connectOnce()) run = 0;
      else {
        failed++;
        kinds[lastFailure] = (kinds[lastFailure] ?? 0) + 1;
        at.push(Math.round(t0 - began));
        failedMs += performance.now() - t0;
        run += performance.now() - t0;
        longest = Math.max(longest, run);
      }
    }
    if ((await p.exited) !== 0) throw new Error(`Update ${version}: ${await new Response(p.stderr).text()}`);
    return { strategy, attempts, failed, kinds, failedBetweenMs: [at[0] ?? 0, at.at(-1) ?? 0], updateMs: Math.round(performance.now() - began), failedMs: Math.round(failedMs), longestOutageMs: Math.round(longest) };
  };
  let tcp: unknown;
  try {
    update("6", { web: served(images["4"]!, "stop-then-start") });
    tcp = [await polled("7", "stop-then-start", images["5"]!), await polled("8", "start-then-stop", images["4"]!)];
  } catch (err) {
    tcp = `not measured: ${(err as Error).message.split("\n")[0]}`;
  }
  console.log(JSON.stringify({
    host: `${process.arch}, ${navigator.hardwareConcurrency} cores, load ${readFileSync("/proc/loadavg", "utf8").split(" ")[0]}`,
    update: { smallImage: small, image100MiB: big, rssGrowthMiB: Number((big.maxRssMiB - small.maxRssMiB).toFixed(1)), goalMiB: 16 },
    switchGap: [stopThenStart, startThenStop],
    note: "switchGap from the service manager's events; tcp: a client connecting to the published port during the switch",
    tcp,
  }, null, 2));
} finally {
  for (const c of JSON.parse(bunker(root, ["list", "--format", "json"]).stdout || "[]") as { id: string }[]) cli(["delete", "--force", c.id]);
  await reg.stop();
  rmSync(work, { recursive: true, force: true });
  rmSync(root, { recursive: true, force: true });
}
