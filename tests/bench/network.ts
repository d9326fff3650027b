// Figures of issue 17, in one run, inside a network namespace this bench makes for the host side (no packet leaves it):
//  1. time `run` of /bin/true gains from bridge networking (CNI ADD + DEL) over none, for bunker and for podman with
//     runc (--network bridge, its own network stack) with the same busybox image (umoci-built, loaded by podman, unpacked
//     for bunker), hyperfine -N;
//  2. rate-limit accuracy: iperf3 through the bandwidth plugin at 1, 10 and 50 Mbit/s, egress and ingress, and with
//     no limit (at the receiver);
//  3. the socket policy's cost on connect(): ns per call of a UDP connect (no packet is sent) with no program, with a
//     program that allows it, and one that refuses it (EPERM).
//   usage: bun tests/bench/network.ts [--runs 20] [--seconds 5] [--calls 200000]
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { median } from "../../board/median.ts";
import { arg, runCleanups, sh, until } from "../support/bench-tools.ts";
import { BIN } from "../support/cli.ts";
import { buildBusyboxArchive, IMAGE } from "../support/engines/image.ts";
import { podmanIn } from "../support/engines/podman.ts";
import { hostToolsBundle, makeNetns } from "../support/netns.ts";
import { makeTemp, removeTemps } from "../support/temp.ts";

const runs = Number(arg("--runs", "20"));
const seconds = Number(arg("--seconds", "5"));
const calls = Number(arg("--calls", "200000"));
const load = (): string => sh(["cat", "/proc/loadavg"], "load").split(" ").slice(0, 3).join(" ");

const cleanups: (() => unknown)[] = [removeTemps];
try {
  console.log(`load before: ${load()} (${navigator.hardwareConcurrency} CPUs)`);
  const ns = makeNetns();
  cleanups.push(() => ns.remove());
  const dir = makeTemp("bench-net-");
  const root = join(dir, "state");
  const net = join(dir, "net");
  // nsenter, not `ip netns exec`, which mounts a sysfs of its own (and no cgroups) in a new mount namespace.
  const bunker = (...args: string[]) => ["nsenter", `--net=${ns.path}`, BIN, "--root", root, "--network-dir", net, ...args];
  const ok = (cmd: string[]) => sh(cmd, "bench");

  // 1. run time with and without bridge networking.
  const archive = buildBusyboxArchive(join(dir, "image"));
  const bundle = join(dir, "bundle");
  ok(["umoci", "unpack", "--image", `${join(dir, "image", "oci")}:busybox`, bundle]);
  const pdir = join(dir, "podman");
  const { podman } = podmanIn(pdir, {});
  const loaded = podman(["load", "--input", archive]);
  if (loaded.code !== 0) throw new Error(`podman load: ${loaded.stderr}`);
  cleanups.push(() => podman(["system", "reset", "--force"]));
  const podmanRun = (network: string) =>
    ["nsenter", `--net=${ns.path}`, "env", `CONTAINERS_CONF=${join(pdir, "containers.conf")}`, `TMPDIR=${join(pdir, "tmp")}`,
      "podman", "--root", join(pdir, "root"), "--runroot", join(pdir, "run"), "--storage-driver", "overlay",
      // crun (podman's default) refuses this host's hybrid cgroup layout.
      "--runtime", "runc", "run", "--rm", "--network", network, IMAGE, "/bin/true"].join(" ");
  const commands: Record<string, string> = {
    "bunker none": bunker("run", "--network", "none", "--bundle", bundle, "b").join(" "),
    "bunker bridge": bunker("run", "--network", "bridge", "--bundle", bundle, "b").join(" "),
    "podman none": podmanRun("none"),
    "podman bridge": podmanRun("bridge"),
  };
  // umoci's config runs the image's cmd (sh): bunker is given /bin/true the way podman is.
  const config = JSON.parse(await Bun.file(join(bundle, "config.json")).text());
  config.process.args = ["/bin/true"];
  config.process.terminal = false;
  writeFileSync(join(bundle, "config.json"), JSON.stringify(config));
  // Once each first: a failure says which and why (hyperfine only says that one failed).
  for (const [name, c] of Object.entries(commands)) sh(c.split(" "), name);
  const json = join(dir, "hyperfine.json");
  ok(["hyperfine", "-N", "--warmup", "3", "--runs", String(runs), "--export-json", json, ...Object.entries(commands).flatMap(([n, c]) => ["-n", n, c])]);
  const results = (JSON.parse(await Bun.file(json).text()) as { results: { command: string; median: number }[] }).results;
  const ms = Object.fromEntries(results.map((r) => [r.command, r.median * 1000]));
  console.log(`\n1. run of /bin/true, same busybox image, hyperfine -N ${runs} runs each (median ms)`);
  for (const [name, t] of Object.entries(ms)) console.log(`  ${name.padEnd(14)} ${t.toFixed(1).padStart(7)} ms`);
  const added = (who: string) => ms[`${who} bridge`]! - ms[`${who} none`]!;
  console.log(`  bridge adds: bunker ${added("bunker").toFixed(1)} ms (CNI bridge + host-local + portmap + bandwidth), podman ${added("podman").toFixed(1)} ms (netavark); ratio ${(added("bunker") / added("podman")).toFixed(2)}x`);

  // 2. rate-limit accuracy.
  const server = ns.spawn(["iperf3", "-s", "-J", "--logfile", "/dev/null", "-p", "5201"]);
  cleanups.push(async () => {
    server.kill();
    await server.exited;
  });
  // Counted where the data arrives (the server for egress, the client with -R): a sender's one-second figures are
  // what it wrote into its socket buffer, which at 1 Mbit/s is nothing for seconds at a time. The first second (slow
  // start, the buffer filling) is left out; the mean of the others, since at 1 Mbit/s the plugin's tbf (25 ms of
  // queue) drops enough for TCP to stall a whole second now and then, which a median would hide.
  const rateOf = (id: string, reverse: boolean): number => {
    const out = JSON.parse(ok(bunker("exec", id, "/usr/bin/iperf3", "-c", "10.87.0.1", "-p", "5201", "-t", String(seconds), "-J", "--get-server-output", ...(reverse ? ["-R"] : []))));
    const intervals = (reverse ? out.intervals : out.server_output_json.intervals) as { sum: { bits_per_second: number } }[];
    const secs = intervals.slice(1, seconds).map((i) => i.sum.bits_per_second / 1e6);
    return secs.reduce((a, b) => a + b, 0) / secs.length;
  };
  console.log(`\n2. rate limits through the bandwidth plugin, iperf3 TCP ${seconds} s (mean of the receiver's 1 s intervals after the first, Mbit/s)`);
  console.log("  limit      egress (error)       ingress (error)");
  for (const limit of [1, 10, 50, 0]) {
    const id = `rate${limit}`;
    const rates: Record<string, string> = limit ? { "bunker.net.egress-rate": `${limit}mbit`, "bunker.net.ingress-rate": `${limit}mbit` } : {};
    const b = hostToolsBundle(["/bin/sleep", "1000"], { "bunker.network": "bridge", ...rates });
    ok(bunker("run", "-d", "--bundle", b, id));
    cleanups.push(() => ok(bunker("delete", "--force", id)));
    await until("the iperf3 server", () => ns.exec(["ss", "-ltn"]).includes(":5201"), 10_000);
    const [egress, ingress] = [rateOf(id, false), rateOf(id, true)];
    const err = (m: number) => (limit ? `(${(((m - limit) / limit) * 100).toFixed(1).padStart(5)} %)` : "");
    console.log(`  ${(limit ? `${limit} Mbit/s` : "none").padEnd(10)} ${egress.toFixed(2).padStart(8)} ${err(egress).padEnd(11)} ${ingress.toFixed(2).padStart(8)} ${err(ingress)}`);
    ok(bunker("delete", "--force", id));
    cleanups.pop();
  }

  // 3. the socket policy's cost on connect(): rounds interleave the three containers, so that the load other work
  // puts on the machine falls on each alike.
  const rounds = 7;
  const loop = `import socket,time\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\ne=s.connect_ex(("127.0.0.1",9))\nt=time.perf_counter_ns()\nfor _ in range(${calls}): s.connect_ex(("127.0.0.1",9))\nprint((time.perf_counter_ns()-t)/${calls}, e)`;
  console.log(`\n3. UDP connect() to 127.0.0.1:9 from python3 in a container, ${calls} calls, ${rounds} interleaved rounds (median ns per call, python's loop included)`);
  const cases: Record<string, Record<string, string>> = {
    "no program": {},
    allowed: { "bunker.net.connect": "127.0.0.0/8:1-1024" },
    denied: { "bunker.net.connect": "10.0.0.0/8:80" },
  };
  const bundles = Object.fromEntries(Object.entries(cases).map(([name, a]) => [name, hostToolsBundle(["/usr/bin/python3", "-c", loop], { "bunker.network": "none", ...a })]));
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((n) => [n, []]));
  const errnos: Record<string, string> = {};
  for (let r = 0; r < rounds; r++)
    for (const name of Object.keys(cases)) {
      const [ns_, e] = ok(bunker("run", "--bundle", bundles[name]!, "cost")).trim().split(" ");
      samples[name]!.push(Number(ns_));
      errnos[name] = e === "0" ? "0" : e === "1" ? "EPERM" : `errno ${e}`;
    }
  const per = Object.fromEntries(Object.entries(samples).map(([n, xs]) => [n, median(xs)!]));
  for (const name of Object.keys(cases)) console.log(`  ${name.padEnd(11)} ${per[name]!.toFixed(0).padStart(6)} ns   (connect gives ${errnos[name]})`);
  console.log(`  against no program: allowed ${(per.allowed! - per["no program"]!).toFixed(0)} ns, denied ${(per.denied! - per["no program"]!).toFixed(0)} ns per call`);
  console.log(`\nload after: ${load()}`);
} finally {
  await runCleanups("bench:network", cleanups);
}
