// Network namespaces the network tests make for the "host" side (CNI's bridge, veths, iptables rules and all traffic
// stay inside them), what is left in one after a container ends, and bundles that run the host's own tools (python3,
// iperf3) from a busybox rootfs with the host's /usr bound read-only.
import { symlinkSync } from "node:fs";
import { join } from "node:path";
import { makeBundle, type TestConfig } from "./bundle.ts";

const sh = (cmd: string[]): string => {
  const p = Bun.spawnSync(cmd, { stdout: "pipe", stderr: "pipe" });
  if (p.exitCode !== 0) throw new Error(`${cmd.join(" ")}: exit status ${p.exitCode}: ${p.stderr.toString().trim()}`);
  return p.stdout.toString();
};

export interface TestNetns {
  name: string;
  /** The namespace's file, for nsenter --net= and bunker's tests. */
  path: string;
  /** Runs `cmd` inside the namespace; throws on a non-zero exit. */
  exec(cmd: string[]): string;
  /** Starts `cmd` inside the namespace without waiting. */
  spawn(cmd: string[]): ReturnType<typeof Bun.spawn>;
  remove(): void;
}

export const makeNetns = (): TestNetns => {
  const name = `bunker-t-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  sh(["ip", "netns", "add", name]);
  const exec = (cmd: string[]): string => sh(["ip", "netns", "exec", name, ...cmd]);
  exec(["ip", "link", "set", "lo", "up"]);
  return {
    name,
    path: `/run/netns/${name}`,
    exec,
    spawn: (cmd) => Bun.spawn(["ip", "netns", "exec", name, ...cmd], { stdout: "pipe", stderr: "pipe", stdin: "ignore" }),
    remove: () => void sh(["ip", "netns", "del", name]),
  };
};

export interface Leftovers {
  /** veth devices on the host side (the bridge itself is the network's, as CNI leaves it). */
  veths: string[];
  /** iptables rules and chains of one attachment (portmap's per-container chains, rules naming the container). */
  rules: string[];
  /** host-local leases (files named by address). */
  leases: string[];
  /** CNI result cache entries. */
  cache: string[];
  /** Mounts below `under` (a network namespace pin). */
  mounts: string[];
}

/** What attachments could leave behind: of the containers `ids` (as CNI plugins' rule comments name them) and the
 * `addresses` they had. */
export const leftovers = (ns: TestNetns, networkDir: string, under: string, ids: readonly string[], addresses: readonly string[]): Leftovers => {
  const ls = (dir: string): string[] => {
    try {
      return sh(["ls", "-A", dir]).split("\n").filter(Boolean);
    } catch {
      return [];
    }
  };
  const rules = ns
    .exec(["iptables-save"])
    .split("\n")
    .filter((l) => !l.startsWith("#") && (/CNI-DN-|CNI-[0-9a-f]{24}/.test(l) || ids.some((id) => l.includes(`id: \\"${id}\\"`)) || addresses.some((a) => l.includes(a))));
  return {
    veths: ns.exec(["ip", "-o", "link", "show", "type", "veth"]).split("\n").filter(Boolean),
    rules,
    leases: ls(join(networkDir, "ipam")).flatMap((n) => ls(join(networkDir, "ipam", n)).filter((f) => /^\d+\.\d+\.\d+\.\d+$|:/.test(f))),
    cache: ls(join(networkDir, "results")),
    mounts: sh(["cat", "/proc/self/mountinfo"]).split("\n").filter((l) => l.includes(under)),
  };
};

export const NOTHING_LEFT: Leftovers = { veths: [], rules: [], leases: [], cache: [], mounts: [] };

/** A busybox bundle whose /usr is the host's (read-only), with `annotations`, running `args`. */
export const hostToolsBundle = (args: string[], annotations: Record<string, string>, edit: (c: TestConfig) => TestConfig = (c) => c): string => {
  const dir = makeBundle(args, (c) =>
    edit({
      ...c,
      annotations,
      mounts: [
        ...c.mounts,
        { destination: "/usr", type: "bind", source: "/usr", options: ["rbind", "ro"] },
        { destination: "/probe", type: "bind", source: import.meta.dir, options: ["rbind", "ro"] },
      ],
    }),
  );
  symlinkSync("usr/lib", join(dir, "rootfs/lib"));
  symlinkSync("usr/lib64", join(dir, "rootfs/lib64"));
  return dir;
};

/** The sock-probe's answers, by attempt. */
export const probeAnswers = (out: string): Record<string, string> =>
  Object.fromEntries(out.trim().split("\n").filter(Boolean).map((l) => l.split(" ") as [string, string]));
