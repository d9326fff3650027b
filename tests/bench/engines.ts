// The engines' view of start time: `docker run --rm`, `ctr run --rm` and `podman run --rm` of busybox `true`
// through bunker and through runc, interleaved, in one run, against the engine suite's own daemons. Then, under
// Docker, what each runtime command costs itself (a wrapper runtime times every call). Medians, ratios, the load.
//   usage: bun tests/bench/engines.ts [runs=20]      (as root; npm run bench:engines)
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { prepareHost } from "../engines/host.ts";
import { PODMAN_WATCH } from "../engines/podman-engine.ts";
import type { Output } from "../support/engines/command.ts";
import { startContainerd } from "../support/engines/containerd.ts";
import type { Daemon } from "../support/engines/daemon.ts";
import { startDockerd } from "../support/engines/dockerd.ts";
import { IMAGE, QUALIFIED_IMAGE } from "../support/engines/image.ts";
import { podmanIn } from "../support/engines/podman.ts";
import { enginesSkipReason, RUNTIMES, type Runtime } from "../support/engines/runtimes.ts";

const runs = Number(process.argv[2] ?? 20);
const skip = enginesSkipReason(["containerd", "ctr", "dockerd", "/usr/bin/docker", "podman", "conmon"]);
if (skip) {
  console.error(`bench:engines cannot run: ${skip}`);
  process.exit(1);
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const load = (): string => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");

/** A runtime that appends "<command> <ms>" to `log` for every call, then exits as the runtime did. */
const timingRuntime = (dir: string, name: string, path: string, log: string): string => {
  const wrapper = join(dir, `timed-${name}`);
  writeFileSync(
    wrapper,
    [
      "#!/bin/sh",
      'cmd=""; for a in "$@"; do case "$a" in create|start|delete|kill|state|run|exec|pause|resume|update|events|ps) cmd=$a; break ;; esac; done',
      "t0=$(date +%s%N)",
      `'${path}' "$@"`,
      "rc=$?",
      `echo "$cmd $(( ($(date +%s%N) - t0) / 1000 ))" >> '${log}'`,
      "exit $rc",
      "",
    ].join("\n"),
  );
  chmodSync(wrapper, 0o755);
  return wrapper;
};

const host = prepareHost("bench");
const daemons: Daemon[] = [];
const report: string[] = [];
try {
  console.log(`load before: ${load()} (${navigator.hardwareConcurrency} CPUs)`);
  const containerd = await startContainerd(join(host.base, "containerd"));
  daemons.push(containerd);
  const logs = Object.fromEntries(RUNTIMES.map((r) => [r.name, join(host.base, `times-${r.name}.log`)]));
  const timed = Object.fromEntries(RUNTIMES.map((r) => [`timed-${r.name}`, timingRuntime(host.base, r.name, r.path, logs[r.name]!)]));
  const added = { ...Object.fromEntries(RUNTIMES.filter((r) => r.name !== "runc").map((r) => [r.name, r.path])), ...timed };
  const dockerd = await startDockerd(join(host.base, "docker"), { containerd, runtimes: added, cgroupParent: host.cgroups.path });
  daemons.push(dockerd);
  const { podman } = podmanIn(join(host.base, "podman"), Object.fromEntries(RUNTIMES.map((r) => [r.name, r.path])));
  for (const r of [containerd.ctr(["image", "import", host.archive]), dockerd.docker(["load", "--input", host.archive]), podman(["load", "--input", host.archive])]) {
    if (r.code !== 0) throw new Error(`loading the image failed: ${r.stderr.trim()}`);
  }

  let n = 0;
  const cases: Record<string, (rt: Runtime) => Output> = {
    "docker run --rm": (rt) => dockerd.docker(["run", "--rm", "--runtime", rt.name, "--network", "none", IMAGE, "true"]),
    "ctr run --rm": (rt) =>
      containerd.ctr(["run", "--rm", "--runc-binary", rt.path, "--runc-root", join(host.base, "runc-root", rt.name), "--cgroup", `${host.cgroups.path}/b${++n}`, "--fifo-dir", join(host.base, "fifo"), QUALIFIED_IMAGE, `b${n}`, "true"]),
    "podman run --rm": (rt) => podman(["--runtime", rt.name, "run", "--rm", "--cgroup-parent", host.cgroups.path, "--network", "none", QUALIFIED_IMAGE, "true"]),
  };
  report.push(`busybox true, ${runs} interleaved runs per runtime after 2 warm-up rounds (median wall time of the client)`);
  for (const [label, run] of Object.entries(cases)) {
    const times: Record<string, number[]> = Object.fromEntries(RUNTIMES.map((r) => [r.name, []]));
    for (let i = -2; i < runs; i++) {
      for (const rt of RUNTIMES) {
        const t0 = performance.now();
        const r = run(rt);
        const dt = performance.now() - t0;
        if (r.code !== 0) throw new Error(`${label} through ${rt.name} exited ${r.code}: ${r.stderr.trim()}`);
        if (i >= 0) times[rt.name]!.push(dt);
      }
    }
    const [a, b] = RUNTIMES.map((r) => median(times[r.name]!)) as [number, number];
    report.push(`  ${label.padEnd(16)} ${RUNTIMES.map((r, k) => `${r.name} ${(k ? b : a).toFixed(1)} ms`).join("   ")}   ratio ${(a / b).toFixed(2)}x`);
  }

  // Each runtime command on its own, as containerd's shim calls it for Docker.
  for (let i = 0; i < runs; i++) {
    for (const rt of RUNTIMES) {
      const r = dockerd.docker(["run", "--rm", "--runtime", `timed-${rt.name}`, "--network", "none", IMAGE, "true"]);
      if (r.code !== 0) throw new Error(`docker run through timed-${rt.name} exited ${r.code}: ${r.stderr.trim()}`);
    }
  }
  const perCommand = Object.fromEntries(
    RUNTIMES.map((rt) => {
      const byCmd = new Map<string, number[]>();
      for (const line of readFileSync(logs[rt.name]!, "utf8").trim().split("\n")) {
        const [cmd, us] = line.split(" ");
        byCmd.set(cmd!, [...(byCmd.get(cmd!) ?? []), Number(us) / 1000]);
      }
      return [rt.name, byCmd];
    }),
  );
  report.push(`runtime commands under docker run --rm, ${runs} runs (median wall time of each call, one \`date\` included)`);
  for (const cmd of ["create", "start", "delete", "state", "kill"]) {
    const [a, b] = RUNTIMES.map((r) => perCommand[r.name]!.get(cmd)) as [number[] | undefined, number[] | undefined];
    if (!a || !b) continue;
    report.push(`  ${cmd.padEnd(16)} ${RUNTIMES.map((r, k) => `${r.name} ${median(k ? b : a).toFixed(1)} ms`).join("   ")}   ratio ${(median(a) / median(b)).toFixed(2)}x   (${a.length} / ${b.length} calls)`);
  }
} finally {
  const left = await host.teardown(daemons, PODMAN_WATCH);
  console.log(report.join("\n"));
  console.log(`load after: ${load()}`);
  if (left.length) console.error(`left behind: ${left.join("; ")}`);
}
