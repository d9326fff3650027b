import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FAILURE_MODELS, FaultStorage, PowerCut } from "../../../../runtime/durable/fault-storage.ts";
import { attachNetwork } from "../../../../runtime/network/attach.ts";
import { cacheFiles, readCache } from "../../../../runtime/network/cache.ts";
import { releaseNetwork } from "../../../../runtime/network/release.ts";
import { prepareNetwork } from "../../../../runtime/network/sandbox.ts";
import { updateBandwidth } from "../../../../runtime/network/shaping.ts";
import { sweepNetworks } from "../../../../runtime/network/sweep.ts";
import type { Config } from "../../../../runtime/spec/config.ts";
import { fakeNetwork, type FakeNetwork } from "./fake-network.ts";

const tmp = mkdtempSync(join(tmpdir(), "bunker-net-attach-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const env = { dir: "/net", configDir: "/etc/cni/net.d", cniPath: ["/usr/lib/cni"] };
const host = { resolv: "nameserver 10.0.0.1\n", hosts: "", hostname: "board" };
let n = 0;

const config = (annotations: Record<string, string>): Config =>
  ({ ociVersion: "1.2.0", process: { args: ["sh"], cwd: "/", user: { uid: 0, gid: 0 } }, root: { path: "/r" }, hostname: "web", linux: { namespaces: [{ type: "network" }, { type: "uts" }] }, annotations }) as unknown as Config;

const attach = (sys: FakeNetwork, annotations: Record<string, string>, opts: { id?: string; root?: string; v2?: string | undefined } = {}) => {
  const stateDir = mkdtempSync(join(tmp, `s${n++}-`));
  const id = opts.id ?? "c1";
  const prepared = prepareNetwork({ config: config(annotations), id, stateDir, env, host, storage: sys.storage });
  const state = attachNetwork({ prepared, id, root: opts.root ?? "/run/bunker", stateDir, pid: 42, env, cgroupV2Dir: "v2" in opts ? opts.v2 : "/sys/fs/cgroup/c1", sys });
  return { state, stateDir, prepared };
};

describe("attachNetwork()", () => {
  test("bridge: loopback up, the namespace pinned, the cache written before ADD and again with its result, then the /etc files", () => {
    const sys = fakeNetwork();
    const { state, stateDir } = attach(sys, { "bunker.network": "bridge", "bunker.net.ports": "8080:80" });
    expect(sys.log).toEqual(["lo up /proc/42/ns/net", `pin 42 ${stateDir}/netns`, "ADD bridge", "ADD portmap", "ADD bandwidth"]);
    expect(sys.plugins.every((p) => p.netns === `${stateDir}/netns`)).toBe(true);
    expect(state).toMatchObject({ mode: "cni", network: "bunker", addresses: ["10.87.0.2/24"] });
    const entry = readCache(state!.cache!, sys.storage)!;
    expect(entry).toMatchObject({ root: "/run/bunker", containerId: "c1", ifName: "eth0", capabilityArgs: { portMappings: [{ hostPort: 8080, containerPort: 80, protocol: "tcp" }] } });
    expect(entry.result?.ips).toEqual([{ address: "10.87.0.2/24", gateway: "10.87.0.1", interface: 2 }]);
    expect(readFileSync(join(stateDir, "etc/hosts"), "utf8")).toContain("10.87.0.2\tweb\n");
  });

  test("none: loopback up and nothing else; host: nothing at all", () => {
    const none = fakeNetwork();
    attach(none, { "bunker.network": "none" });
    expect(none.log).toEqual(["lo up /proc/42/ns/net"]);
    const shared = fakeNetwork();
    attach(shared, { "bunker.network": "host" });
    expect(shared.log).toEqual([]);
  });

  test("the socket policy goes on the container's cgroup v2 directory, one program per hook it uses", () => {
    const sys = fakeNetwork();
    const { state } = attach(sys, { "bunker.net.connect": "127.0.0.1:8080", "bunker.net.families": "inet" });
    expect(sys.log.filter((l) => l.startsWith("attach"))).toEqual([
      "attach bunker_connect4 /sys/fs/cgroup/c1", "attach bunker_connect6 /sys/fs/cgroup/c1", "attach bunker_sendmsg4 /sys/fs/cgroup/c1",
      "attach bunker_sendmsg6 /sys/fs/cgroup/c1", "attach bunker_sock_create /sys/fs/cgroup/c1",
    ]);
    expect(Object.keys(state!.policy!.programs)).toEqual(["connect4", "connect6", "sendmsg4", "sendmsg6", "sock-create"]);
  });

  test("the socket policy where no unified hierarchy is mounted is an error naming what it needs", () => {
    expect(() => attach(fakeNetwork(), { "bunker.net.bind": "80" }, { v2: undefined })).toThrow();
    try {
      attach(fakeNetwork(), { "bunker.net.bind": "80" }, { v2: undefined });
    } catch (err) {
      expect(((err as Error).cause as Error).message).toContain("needs cgroup v2: no unified hierarchy is mounted");
    }
  });

  test("a failed ADD leaves no cache entry and no pin (the list's DEL ran)", () => {
    const sys = fakeNetwork({ answer: (c) => (c.command === "ADD" && c.type === "bandwidth" ? { code: 1, stdout: '{"code":11,"msg":"no ifb"}', stderr: "" } : undefined) });
    expect(() => attach(sys, { "bunker.network": "bridge" })).toThrow("Setting up the container's network failed");
    expect(sys.log.slice(-4)).toEqual(["DEL bandwidth", "DEL portmap", "DEL bridge", expect.stringMatching(/^unpin /)]);
    expect(cacheFiles(env.dir, sys.storage)).toEqual([]);
    expect(sys.pins.size).toBe(0);
  });

  test("a failure after ADD (the policy) takes the container off the network again", () => {
    const sys = fakeNetwork();
    sys.bpf.replace = () => {
      throw new Error("EPERM");
    };
    expect(() => attach(sys, { "bunker.network": "bridge", "bunker.net.bind": "80" })).toThrow("Setting up the container's network failed");
    expect(sys.log.slice(-4)).toEqual(["DEL bandwidth", "DEL portmap", "DEL bridge", expect.stringMatching(/^unpin /)]);
    expect(cacheFiles(env.dir, sys.storage)).toEqual([]);
  });

  test("refuses a container of another root attached under the same id, and releases a stale one of its own root first", () => {
    const sys = fakeNetwork();
    attach(sys, { "bunker.network": "bridge" }, { root: "/other" });
    expect(() => attach(sys, { "bunker.network": "bridge" })).toThrow();
    const own = fakeNetwork();
    attach(own, { "bunker.network": "bridge" });
    own.log.length = 0;
    attach(own, { "bunker.network": "bridge" });
    expect(own.log.slice(0, 5)).toEqual(["lo up /proc/42/ns/net", "DEL bandwidth", "DEL portmap", "DEL bridge", expect.stringMatching(/^pin /)]);
  });
});

describe("releaseNetwork()", () => {
  test("DEL from the cache, last plugin first, with the ADD's result and the pinned namespace; then the entry and the pin go", () => {
    const sys = fakeNetwork();
    const { state, stateDir } = attach(sys, { "bunker.network": "bridge" });
    const result = readCache(state!.cache!, sys.storage)!.result;
    sys.log.length = 0;
    sys.plugins.length = 0;
    expect(releaseNetwork(state, sys)).toEqual([]);
    expect(sys.log).toEqual(["DEL bandwidth", "DEL portmap", "DEL bridge", `unpin ${stateDir}/netns`]);
    expect(sys.plugins.every((p) => p.netns === `${stateDir}/netns` && JSON.stringify(p.config.prevResult) === JSON.stringify(result))).toBe(true);
    expect(cacheFiles(env.dir, sys.storage)).toEqual([]);
  });

  test("with the namespace gone, DEL runs with an empty CNI_NETNS, as the spec allows", () => {
    const sys = fakeNetwork({ netnsAlive: () => false });
    const { state } = attach(sys, { "bunker.network": "bridge" });
    sys.plugins.length = 0;
    releaseNetwork(state, sys);
    expect(sys.plugins.map((p) => p.netns)).toEqual(["", "", ""]);
  });

  test("a failed DEL keeps the cache entry for another try and still removes the pin; the problem is returned", () => {
    let fail = true;
    const sys = fakeNetwork({ answer: (c) => (c.command === "DEL" && c.type === "portmap" && fail ? { code: 1, stdout: '{"code":5,"msg":"iptables busy"}', stderr: "" } : undefined) });
    const { state } = attach(sys, { "bunker.network": "bridge" });
    const problems = releaseNetwork(state, sys);
    expect(problems.map((p) => p.message)).toEqual([expect.stringContaining("kept for another try")]);
    expect(sys.pins.size).toBe(0);
    expect(cacheFiles(env.dir, sys.storage)).toEqual([state!.cache!]);
    fail = false;
    expect(releaseNetwork(state, sys)).toEqual([]);
    expect(cacheFiles(env.dir, sys.storage)).toEqual([]);
  });
});

describe("sweepNetworks()", () => {
  test("releases the attachments of containers gone from this root, and leaves live ones and other roots' alone", () => {
    const sys = fakeNetwork();
    attach(sys, { "bunker.network": "bridge" }, { id: "gone" });
    attach(sys, { "bunker.network": "bridge" }, { id: "live" });
    attach(sys, { "bunker.network": "bridge" }, { id: "theirs", root: "/elsewhere" });
    sys.log.length = 0;
    const swept = sweepNetworks(env.dir, "/run/bunker", (id) => id === "live", sys);
    expect(swept).toEqual({ released: [{ id: "gone", network: "bunker" }], problems: [] });
    expect(sys.log).toEqual(["DEL bandwidth", "DEL portmap", "DEL bridge"]);
    expect(cacheFiles(env.dir, sys.storage).sort()).toEqual(["/net/results/bunker-live-eth0", "/net/results/bunker-theirs-eth0"]);
  });

  test("a corrupt cache entry is reported, not guessed at", () => {
    const sys = fakeNetwork();
    const f = sys.storage.open("/net/results/bunker-x-eth0", { create: true });
    f.writeAt(0, new TextEncoder().encode('{"kind":"bunkerCniCacheV1"}'));
    expect(sweepNetworks(env.dir, "/run/bunker", () => false, sys).problems).toEqual([expect.stringContaining("Corrupt CNI cache entry '/net/results/bunker-x-eth0': /root")]);
  });
});

describe("a power cut while create attaches the container", () => {
  test("at every cut point: if ADD may have started, the next boot's sweep finds the entry and runs DEL", () => {
    const probe = fakeNetwork();
    attach(probe, { "bunker.network": "bridge" });
    const points = probe.storage.calls;
    expect(points).toBeGreaterThan(4);
    for (let cut = 0; cut <= points; cut++) {
      for (const model of FAILURE_MODELS) {
        const storage = new FaultStorage(undefined, cut);
        const sys = fakeNetwork({ storage });
        try {
          attach(sys, { "bunker.network": "bridge" });
        } catch (err) {
          let e: unknown = err;
          while (e instanceof Error && !(e instanceof PowerCut)) e = e.cause;
          if (!(e instanceof PowerCut)) throw err;
        }
        const addStarted = sys.plugins.some((p) => p.command === "ADD");
        const boot = fakeNetwork({ storage: new FaultStorage(storage.afterCut(model, cut)), netnsAlive: () => false });
        const swept = sweepNetworks(env.dir, "/run/bunker", () => false, boot);
        expect(swept.problems).toEqual([]);
        if (addStarted) expect({ cut, model, dels: boot.log }).toEqual({ cut, model, dels: ["DEL bandwidth", "DEL portmap", "DEL bridge"] });
        expect(cacheFiles(env.dir, boot.storage)).toEqual([]);
      }
    }
  });
});

describe("updateBandwidth()", () => {
  test("DEL of the bandwidth plugin alone, the peer's qdisc cleared, ADD with the first ADD's input and the new limits; the cache follows", () => {
    const sys = fakeNetwork();
    const { state } = attach(sys, { "bunker.network": "bridge", "bunker.net.egress-rate": "10mbit" });
    const before = readCache(state!.cache!, sys.storage)!;
    expect(before.result?.interfaces?.map((i) => i.name)).toContain("bwp-ifb");
    sys.log.length = 0;
    sys.plugins.length = 0;
    updateBandwidth(state!, { egressRate: 1_000_000, egressBurst: 524288 }, sys);
    expect(sys.log).toEqual(["DEL bandwidth", `clear qdisc of the peer of eth0 in ${state!.netns}`, "ADD bandwidth"]);
    expect(sys.plugins[0]!.config.prevResult).toEqual(before.result);
    expect(sys.plugins[1]!.config).toMatchObject({ prevResult: before.shaping[0]!.input, runtimeConfig: { bandwidth: { egressRate: 1_000_000 } } });
    const after = readCache(state!.cache!, sys.storage)!;
    expect(after.capabilityArgs).toEqual({ bandwidth: { egressRate: 1_000_000, egressBurst: 524288 } });
    expect(after.result?.interfaces?.filter((i) => i.name === "bwp-ifb")).toHaveLength(1);
  });

  test("removing the limits passes no bandwidth to the plugin, and the ifb leaves the result", () => {
    const sys = fakeNetwork();
    const { state } = attach(sys, { "bunker.network": "bridge", "bunker.net.egress-rate": "10mbit" });
    updateBandwidth(state!, undefined, sys);
    const after = readCache(state!.cache!, sys.storage)!;
    expect(after.capabilityArgs).toEqual({});
    expect(after.result?.interfaces?.map((i) => i.name)).toEqual(["bunker0", "veth1234", "eth0"]);
  });

  test("a network without a plugin taking the bandwidth capability says so", () => {
    const sys = fakeNetwork();
    const { state } = attach(sys, { "bunker.network": "bridge" });
    const entry = readCache(state!.cache!, sys.storage)!;
    const f = sys.storage.open(state!.cache!, { create: true });
    f.truncate(0);
    f.writeAt(0, new TextEncoder().encode(JSON.stringify({ ...entry, shaping: [] })));
    expect(() => updateBandwidth(state!, { egressRate: 8000, egressBurst: 8000 }, sys)).toThrow("has no plugin that takes the 'bandwidth' capability");
  });
});
