// Networking with the compiled executable as root and Debian's CNI plugins (bridge, host-local, portmap, bandwidth,
// tuning): every test makes its own network namespace for the host side, runs bunker inside it (nsenter --net), and
// sends traffic only between that namespace and its containers. What an attachment leaves (veths, iptables rules,
// leases, cache entries, namespace pins) is counted after every way a container ends: delete, a failed create, a power
// cut followed by `resume`, a daemon start. The socket policy is checked at the syscall (errno names from inside the
// container), live changes by `update`, and a daemon restart.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BIN, bunker, newRoot, skipReason } from "../support/cli.ts";
import { BPF_ATTACH } from "../../ffi/bpf.ts";
import { hostCgroupPrograms } from "../../runtime/bpf/cgroup-program.ts";
import { statePath } from "../../runtime/container/record.ts";
import { hostToolsBundle, leftovers, makeNetns, NOTHING_LEFT, probeAnswers, type TestNetns } from "../support/netns.ts";
import { makeTemp, tempDirs } from "../support/temp.ts";
import { until } from "../support/until.ts";

tempDirs();
const PLUGINS = "/usr/lib/cni";
const missing = skipReason() ?? (["bridge", "host-local", "portmap", "bandwidth", "tuning"].find((p) => !existsSync(join(PLUGINS, p))) ? "containernetworking-plugins is not installed" : undefined)
  ?? (["/usr/bin/python3", "/usr/bin/iperf3", "/usr/sbin/iptables-save"].find((f) => !existsSync(f)) ? "python3, iperf3 or iptables is not installed (tests/setup/install.sh)" : undefined);
if (missing) console.log(`SKIP network: ${missing}`);

const TEST_MS = 60_000;
const PROBE = ["/usr/bin/python3", "/probe/sock-probe.py"];
/** Answers "hello from HOSTNAME" on port 80 to every connection, for ever. */
const SERVER = ["/usr/bin/python3", "-c", "import socket\ns=socket.socket()\ns.setsockopt(1,2,1)\ns.bind(('',80))\ns.listen()\nwhile 1:\n c,_=s.accept()\n c.sendall(b'hello from '+open('/etc/hostname','rb').read().strip())\n c.close()"];
const CLIENT = (host: string, port: number) => ["/usr/bin/python3", "-c", "import socket,sys\ns=socket.create_connection((sys.argv[1],int(sys.argv[2])),3)\nprint(s.recv(100).decode())", host, String(port)];

describe.skipIf(!!missing)("networking through CNI", () => {
  let ns: TestNetns;
  let root: string;
  let net: string;
  /** bunker inside the test's namespace, with this test's network directory and CNI config directory. */
  const cli = (args: string[], extra: string[] = []) => bunker(root, ["--network-dir", net, "--cni-config-dir", join(net, "conf.d"), "--cni-path", PLUGINS, ...extra, ...args], { netns: ns.path });
  const ok = (args: string[], extra: string[] = []) => {
    const r = cli(args, extra);
    if (r.code !== 0) throw new Error(`bunker ${args.join(" ")}: exit status ${r.code}: ${r.stderr}`);
    return r.stdout;
  };
  const stateOf = (id: string) => JSON.parse(ok(["state", id])) as { pid: number; network?: { addresses?: string[]; policy?: { annotations: Record<string, string>; programs?: Record<string, number> } } };
  const addressOf = (id: string): string => stateOf(id).network!.addresses![0]!.split("/")[0]!;
  const left = (ids: string[], addresses: string[]) => leftovers(ns, net, root, ids, addresses);
  const served = (host: string, port: number): string | undefined => {
    try {
      return ns.exec(CLIENT(host, port)).trim();
    } catch {
      return undefined;
    }
  };

  beforeEach(() => {
    ns = makeNetns();
    root = newRoot();
    net = makeTemp("bunker-net-");
    mkdirSync(join(net, "conf.d"));
  });
  afterEach(() => {
    for (const c of JSON.parse(cli(["list", "--format", "json"]).stdout || "[]") as { id: string }[]) cli(["delete", "--force", c.id]);
    ns.remove();
    rmSync(root, { recursive: true, force: true });
  });

  test("bridge: an address from host-local, /etc files, served to the host side and through a published port; delete leaves nothing", async () => {
    const bundle = hostToolsBundle(SERVER, { "bunker.network": "bridge", "bunker.net.hosts": "db=10.87.0.50", "bunker.net.dns": "10.87.0.1" });
    ok(["run", "-d", "-p", "8080:80/tcp", "--bundle", bundle, "web"]);
    const addr = addressOf("web");
    expect(addr).toMatch(/^10\.87\.0\.\d+$/);
    await until(() => served(addr, 80) !== undefined, "the container's server");
    expect(served(addr, 80)).toBe("hello from bunker");
    // portmap's DNAT of the host's own address: the bridge's gateway address is the host side's.
    expect(served("10.87.0.1", 8080)).toBe("hello from bunker");
    const etc = ok(["exec", "web", "/bin/cat", "/etc/hosts", "/etc/resolv.conf", "/etc/hostname"]);
    expect(etc).toContain(`${addr}\tbunker`);
    expect(etc).toContain("10.87.0.50\tdb");
    expect(etc).toContain("nameserver 10.87.0.1");
    const during = left(["web"], [addr]);
    expect([during.veths.length, during.leases, during.cache.length, during.mounts.length]).toEqual([1, [addr], 1, 1]);
    expect(during.rules.length).toBeGreaterThan(0);
    ok(["delete", "--force", "web"]);
    expect(left(["web"], [addr])).toEqual(NOTHING_LEFT);
  }, TEST_MS);

  test("host shares the host side's namespace; none has only loopback, up", () => {
    const bundle = hostToolsBundle(["/bin/cat", "/proc/net/dev"], {});
    const host = ok(["run", "--network", "host", "--bundle", bundle, "h"]);
    const none = ok(["run", "--network", "none", "--bundle", bundle, "n"]);
    ns.exec(["ip", "link", "add", "probe0", "type", "veth", "peer", "name", "probe1"]);
    expect(ok(["run", "--network", "host", "--bundle", bundle, "h2"])).toContain("probe0");
    expect(host).not.toContain("eth0");
    expect(none.split("\n").filter((l) => l.includes(":")).map((l) => l.trim().split(":")[0])).toEqual(["lo"]);
    expect(ok(["run", "--network", "none", "--bundle", hostToolsBundle(PROBE.concat("connect=127.0.0.1:9"), {}), "n2"])).toBe("connect=127.0.0.1:9 ECONNREFUSED\n");
  }, TEST_MS);

  test("a named CNI config list from the config directory (bridge, host-local, firewall, tuning, portmap): attached, served, released", async () => {
    writeFileSync(join(net, "conf.d", "20-lan.conflist"), JSON.stringify({
      cniVersion: "1.0.0", name: "lan",
      plugins: [
        { type: "bridge", bridge: "lan0", isGateway: true, ipam: { type: "host-local", ranges: [[{ subnet: "10.89.3.0/24" }]], dataDir: join(net, "ipam") } },
        { type: "firewall", backend: "iptables" },
        { type: "tuning", sysctl: { "net.ipv4.conf.eth0.accept_redirects": "0" } },
        { type: "portmap", capabilities: { portMappings: true } },
      ],
    }));
    ok(["run", "-d", "--network", "lan", "-p", "8083:80", "--bundle", hostToolsBundle(SERVER, {}), "named"]);
    const addr = addressOf("named");
    expect(addr).toMatch(/^10\.89\.3\.\d+$/);
    expect(stateOf("named").network).toMatchObject({ mode: "cni", network: "lan" });
    await until(() => served("10.89.3.1", 8083) !== undefined, "the container's server through the named network's port");
    expect(ok(["exec", "named", "/bin/cat", "/proc/sys/net/ipv4/conf/eth0/accept_redirects"]).trim()).toBe("0");
    expect(left(["named"], [addr]).rules.length).toBeGreaterThan(0);
    ok(["delete", "--force", "named"]);
    expect(left(["named"], [addr])).toEqual(NOTHING_LEFT);
  }, TEST_MS);

  test("a create whose CNI ADD fails half way (tuning after bridge) leaves no container, veth, lease, rule, pin or cache entry", () => {
    writeFileSync(join(net, "conf.d", "10-broken.conflist"), JSON.stringify({
      cniVersion: "1.0.0", name: "broken",
      plugins: [
        { type: "bridge", bridge: "brk0", isGateway: true, ipam: { type: "host-local", ranges: [[{ subnet: "10.88.9.0/24" }]], dataDir: join(net, "ipam") } },
        { type: "tuning", sysctl: { "net.ipv4.conf.eth0.no_such_setting": "1" } },
      ],
    }));
    const bundle = hostToolsBundle(["/bin/true"], {});
    const r = cli(["create", "--network", "broken", "--bundle", bundle, "b"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("tuning");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(existsSync(join(root, "b"))).toBe(false);
    expect(left(["b"], ["10.88.9."])).toEqual(NOTHING_LEFT);
    // A create that fails after the attachment (its pid file cannot be written) releases it too.
    const late = cli(["create", "--network", "bridge", "-p", "8081:80", "--pid-file", join(net, "no/such/dir/pid"), "--bundle", bundle, "p"]);
    expect(late.code).toBe(1);
    expect(existsSync(join(root, "p"))).toBe(false);
    expect(left(["p"], ["10.87.0."])).toEqual(NOTHING_LEFT);
  }, TEST_MS);

  test("a power cut: resume releases the lost attachment from the cache (its lease and port rules) before it starts the container again", () => {
    const journal = join(net, "journal");
    const bundle = hostToolsBundle(["/bin/sleep", "1000"], { "bunker.network": "bridge", "bunker.net.ports": "8082:80/tcp" });
    ok(["run", "-d", "--bundle", bundle, "s"], ["--journal", journal]);
    const before = addressOf("s");
    // The power cut: the processes and the state root (a tmpfs) are gone, the namespace pin with them; the network
    // directory (on flash) keeps the cache, host-local its lease, and the namespace of the host side its rules.
    process.kill(stateOf("s").pid, "SIGKILL");
    Bun.spawnSync(["umount", "-l", join(root, "s", "netns")]);
    rmSync(join(root, "s"), { recursive: true, force: true });
    expect(left(["s"], [before]).leases).toEqual([before]);
    expect(left(["s"], [before]).rules.filter((l) => l.includes(before)).length).toBeGreaterThan(0);
    const out = ok(["resume"], ["--journal", journal]);
    expect(out).toContain("network: released container 's' from 'bunker' (it did not survive)");
    const after = addressOf("s");
    expect(after).not.toBe(before);
    const now = left(["s"], [before]);
    expect(now.leases).toEqual([after]);
    expect(now.rules.filter((l) => l.includes(before))).toEqual([]);
    expect(now.veths).toHaveLength(1);
    ok(["delete", "--force", "s"], ["--journal", journal]);
    expect(left(["s"], [before, after])).toEqual(NOTHING_LEFT);
  }, TEST_MS);

  test("egress rate limit through the bandwidth plugin: 10 Mbit/s within 10 %, changed live to 30 Mbit/s by update", async () => {
    const server = ns.spawn(["iperf3", "-s", "-J", "--logfile", "/dev/null", "-p", "5201"]);
    try {
      const bundle = hostToolsBundle(["/bin/sleep", "1000"], { "bunker.network": "bridge", "bunker.net.egress-rate": "10mbit" });
      ok(["run", "-d", "--bundle", bundle, "shaped"]);
      await until(() => ns.exec(["ss", "-ltn"]).includes(":5201"), "the iperf3 server");
      // The median of the receiver's one-second intervals, the first (slow start) left out: a second in which the
      // loaded test machine did not schedule the client does not count.
      const rate = (): number => {
        const out = JSON.parse(ok(["exec", "shaped", "/usr/bin/iperf3", "-c", "10.87.0.1", "-p", "5201", "-t", "5", "-J", "--get-server-output"]));
        const secs = (out.server_output_json.intervals as { sum: { bits_per_second: number } }[]).slice(1, 5).map((i) => i.sum.bits_per_second / 1e6).sort((a, b) => a - b);
        return (secs[1]! + secs[2]!) / 2;
      };
      const ten = rate();
      console.log(`egress limit 10 Mbit/s: measured ${ten.toFixed(2)} Mbit/s`);
      expect(Math.abs(ten - 10) / 10).toBeLessThan(0.1);
      ok(["update", "--egress-rate", "30mbit", "shaped"]);
      const thirty = rate();
      console.log(`egress limit 30 Mbit/s (after update): measured ${thirty.toFixed(2)} Mbit/s`);
      expect(Math.abs(thirty - 30) / 30).toBeLessThan(0.1);
      const addr = addressOf("shaped");
      ok(["delete", "--force", "shaped"]);
      expect(left(["shaped"], [addr])).toEqual(NOTHING_LEFT);
      // No ifb device of the plugin outlives the container.
      expect(ns.exec(["ip", "-o", "link", "show", "type", "ifb"])).toBe("");
    } finally {
      server.kill();
      await server.exited;
    }
  }, TEST_MS);

  test("socket policy: only 127.0.0.1:8080 connects, binds outside the list and raw and packet sockets get EPERM; update changes it live", () => {
    const policy = {
      "bunker.network": "bridge", "bunker.net.connect": "127.0.0.1:8080", "bunker.net.bind": "8080",
      "bunker.net.families": "inet,inet6", "bunker.net.socket-types": "stream,dgram",
    };
    // CAP_NET_RAW kept: the policy refuses raw sockets, not a missing capability.
    const bundle = hostToolsBundle(["/bin/sleep", "1000"], policy, (c) => {
      const caps = [...c.process.capabilities.bounding, "CAP_NET_RAW"];
      return { ...c, process: { ...c.process, capabilities: { bounding: caps, effective: caps, permitted: caps } } };
    });
    ok(["run", "-d", "--bundle", bundle, "p"]);
    const probe = () =>
      probeAnswers(ok(["exec", "p", ...PROBE, "connect=127.0.0.1:8080", "connect=127.0.0.1:8081", "connect=10.87.0.1:8080", "connect=[::1]:8080", "connect=[::ffff:127.0.0.1]:8081", "bind=8080", "bind=9000", "socket=inet/raw", "socket=packet/raw", "socket=inet/stream"]));
    expect(probe()).toEqual({
      "connect=127.0.0.1:8080": "ECONNREFUSED", // allowed: nothing listens there
      "connect=127.0.0.1:8081": "EPERM",
      "connect=10.87.0.1:8080": "EPERM",
      "connect=[::1]:8080": "EPERM",
      "connect=[::ffff:127.0.0.1]:8081": "EPERM",
      "bind=8080": "ok",
      "bind=9000": "EPERM",
      "socket=inet/raw": "EPERM",
      "socket=packet/raw": "EPERM",
      "socket=inet/stream": "ok",
    });
    const shown = stateOf("p").network!.policy!;
    expect(shown.annotations).toEqual({ "bunker.net.connect": "127.0.0.1:8080", "bunker.net.bind": "8080", "bunker.net.families": "inet,inet6", "bunker.net.socket-types": "stream,dgram" });
    expect(Object.keys(shown.programs!).sort()).toEqual(["bind4", "bind6", "connect4", "connect6", "sendmsg4", "sendmsg6", "sock-create"]);
    // A resource update leaves the policy as it was.
    const before = probe();
    ok(["update", "--pids-limit", "100", "p"]);
    expect(probe()).toEqual(before);
    ok(["update", "--net-connect", "127.0.0.1:8081,10.87.0.0/24:8080", "p"]);
    const after = probe();
    expect([after["connect=127.0.0.1:8080"], after["connect=127.0.0.1:8081"], after["connect=10.87.0.1:8080"], after["bind=9000"]]).toEqual(["EPERM", "ECONNREFUSED", "ECONNREFUSED", "EPERM"]);
    expect(stateOf("p").network!.policy!.annotations["bunker.net.connect"]).toBe("127.0.0.1:8081,10.87.0.0/24:8080");
  }, TEST_MS);

  test("socket policy: raw inet sockets refused by the program where packet sockets (and CAP_NET_RAW) are allowed; mark and priority set", () => {
    const bundle = hostToolsBundle(["/bin/sleep", "1000"], { "bunker.net.families": "inet,inet6,packet", "bunker.net.socket-types": "stream,dgram", "bunker.net.mark": "42", "bunker.net.priority": "5" }, (c) => {
      const caps = [...c.process.capabilities.bounding, "CAP_NET_RAW"];
      return { ...c, process: { ...c.process, capabilities: { bounding: caps, effective: caps, permitted: caps } } };
    });
    ok(["run", "-d", "--bundle", bundle, "raw"]);
    expect(probeAnswers(ok(["exec", "raw", ...PROBE, "socket=inet/raw", "socket=packet/raw", "socket=inet/dgram", "sockopt=mark", "sockopt=priority"]))).toEqual({
      "socket=inet/raw": "EPERM",
      "socket=packet/raw": "ok",
      "socket=inet/dgram": "ok",
      "sockopt=mark": "42",
      "sockopt=priority": "5",
    });
  }, TEST_MS);

  test("a daemon restart keeps the policy attached and re-adopts it, puts back a program someone detached; a daemon start releases what a crash left", async () => {
    const bundle = hostToolsBundle(["/bin/sleep", "1000"], { "bunker.network": "bridge", "bunker.net.connect": "127.0.0.1:8080" });
    ok(["run", "-d", "--bundle", bundle, "kept"]);
    ok(["run", "-d", "--bundle", bundle, "lost"]);
    const programs = stateOf("kept").network!.policy!.programs;
    const lost = addressOf("lost");
    process.kill(stateOf("lost").pid, "SIGKILL");
    Bun.spawnSync(["umount", "-l", join(root, "lost", "netns")]);
    rmSync(join(root, "lost"), { recursive: true, force: true });
    const start = () => Bun.spawn(["nsenter", `--net=${ns.path}`, BIN, "--root", root, "--network-dir", net, "--cni-path", PLUGINS, "daemon"], { stdout: "ignore", stderr: "pipe", stdin: "ignore" });
    // Rounds 0 and 1 find the programs attached; before round 2 the connect4 program is detached, as `bpftool cgroup
    // detach` would, and the daemon must attach it again.
    const policyDir = (JSON.parse(readFileSync(statePath(root, "kept"), "utf8")) as { network: { policy: { dir: string } } }).network.policy.dir;
    for (let round = 0; round < 3; round++) {
      if (round === 2) {
        hostCgroupPrograms.detach(policyDir, BPF_ATTACH.INET4_CONNECT);
        expect(probeAnswers(ok(["exec", "kept", ...PROBE, "connect=127.0.0.1:8081"]))).toEqual({ "connect=127.0.0.1:8081": "ECONNREFUSED" });
      }
      const daemon = start();
      const said = new Response(daemon.stderr as ReadableStream).text();
      try {
        await until(() => existsSync(join(root, ".daemon.sock")), "the daemon's socket", 20_000);
        await until(() => !left(["lost"], [lost]).leases.includes(lost), "the lost container's lease to go", 20_000);
      } finally {
        daemon.kill("SIGTERM");
        await daemon.exited;
      }
      const err = await said;
      if (round === 0) expect(err).toContain("Released the attachment of container 'lost' to network 'bunker': the container no longer exists");
      expect(err).not.toContain("does not check out");
      if (round === 2) {
        expect(err).toContain("Container 'kept': the socket policy's connect4 program was no longer attached and was attached again");
        const now = stateOf("kept").network!.policy!.programs!;
        // The whole policy is attached again (each hook replaced in place), so every id is new.
        expect(Object.keys(now).sort()).toEqual(Object.keys(programs!).sort());
        expect(now.connect4).not.toBe(programs!.connect4);
      } else expect(stateOf("kept").network!.policy!.programs).toEqual(programs);
      expect(probeAnswers(ok(["exec", "kept", ...PROBE, "connect=127.0.0.1:8081"]))).toEqual({ "connect=127.0.0.1:8081": "EPERM" });
    }
    expect(left(["lost"], [lost]).rules.filter((l) => l.includes(lost))).toEqual([]);
    expect(readdirSync(join(net, "results"))).toEqual(["bunker-kept-eth0"]);
  }, TEST_MS);
  test("a service's network section end to end: apply connects it (bridge, a published port, a policy), its health check connects inside its namespace, status shows it; removing it leaves nothing", async () => {
    const journal = join(net, "journal");
    const bundle = hostToolsBundle(SERVER, {});
    const target = (services: Record<string, unknown>) => {
      const file = join(net, `target-${Object.keys(services).length}.json`);
      writeFileSync(file, JSON.stringify({ device: "host", version: String(Object.keys(services).length), services }));
      return file;
    };
    const web = {
      bundle,
      network: { mode: "bridge", ports: ["8090:80/tcp"], hosts: { db: "10.87.0.60" }, policy: { connect: ["10.87.0.60:5432"], bind: ["80"] } },
      healthCheck: { tcp: { port: 80 }, interval: "1s", startInterval: "200ms" },
      stopGracePeriod: "1s",
    };
    // `after` starts only once web's health check, a TCP connection to port 80 inside web's namespace, succeeded.
    const after = { bundle, args: ["/bin/sleep", "1000"], network: { mode: "none" }, dependsOn: { web: { condition: "healthy" } }, stopGracePeriod: "1s" };
    ok(["apply", target({ web, after })], ["--journal", journal]);
    const status = JSON.parse(ok(["status", "--json"], ["--journal", journal])) as { services: { name: string; actual: string; instance?: string; health: string; network?: { addresses?: string[]; ports?: unknown[]; policy?: { annotations: Record<string, string> } } }[] };
    const shown = status.services.find((x) => x.name === "web")!;
    expect(status.services.find((x) => x.name === "after")).toMatchObject({ actual: "running", network: { mode: "none" } });
    expect(shown.network?.ports).toEqual([{ hostPort: 8090, containerPort: 80, protocol: "tcp" }]);
    expect(shown.network?.policy?.annotations).toEqual({ "bunker.net.connect": "10.87.0.60:5432", "bunker.net.bind": "80" });
    const addr = shown.network!.addresses![0]!.split("/")[0]!;
    await until(() => served("10.87.0.1", 8090) !== undefined, "the service through its published port");
    expect(served("10.87.0.1", 8090)).toBe("hello from bunker");
    expect(probeAnswers(ok(["exec", shown.instance!, ...PROBE, "connect=10.87.0.1:8090", "bind=81"]))).toEqual({ "connect=10.87.0.1:8090": "EPERM", "bind=81": "EPERM" });
    ok(["apply", target({})], ["--journal", journal]);
    expect(left([shown.instance!], [addr])).toEqual(NOTHING_LEFT);
    expect(JSON.parse(ok(["list", "--format", "json"]) || "[]")).toEqual([]);
  }, TEST_MS);
});
