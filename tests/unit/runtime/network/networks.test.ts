import { describe, expect, test } from "bun:test";
import { FaultStorage } from "../../../../runtime/durable/fault-storage.ts";
import { bridgeListPath, defaultBridgeList } from "../../../../runtime/network/default-bridge.ts";
import { networkList } from "../../../../runtime/network/networks.ts";

const env = { dir: "/var/lib/bunker/network", configDir: "/etc/cni/net.d", cniPath: ["/usr/lib/cni"] };

const put = (s: FaultStorage, path: string, text: string): void => {
  const f = s.open(path, { create: true });
  f.writeAt(0, new TextEncoder().encode(text));
  f.close();
};
const text = (s: FaultStorage, path: string): string => new TextDecoder().decode(s.read(path));

describe("networkList()", () => {
  test("bridge: writes bunker's default list durably on first use and reads it back afterwards", () => {
    const s = new FaultStorage();
    expect(networkList("bridge", env, s)).toEqual(defaultBridgeList(env.dir));
    // What a power cut right after would leave: the list is there.
    expect(new TextDecoder().decode(new FaultStorage(s.afterCut("drop", 1)).read(bridgeListPath(env.dir)))).toContain('"name": "bunker"');
    put(s, bridgeListPath(env.dir), text(s, bridgeListPath(env.dir)).replace('"ipMasq": false', '"ipMasq": true'));
    expect(networkList("bridge", env, s).plugins[0]).toMatchObject({ type: "bridge", ipMasq: true });
  });

  test("the default list: a bridge with the host as gateway, masquerade off, host-local leases in bunker's directory, portmap and bandwidth", () => {
    const l = defaultBridgeList("/d");
    expect(l.plugins.map((p) => p.type)).toEqual(["bridge", "portmap", "bandwidth"]);
    expect(l.plugins[0]).toMatchObject({ isGateway: true, ipMasq: false, ipam: { type: "host-local", dataDir: "/d/ipam" } });
    expect(l.plugins[1]!.capabilities).toEqual({ portMappings: true });
    expect(l.plugins[2]!.capabilities).toEqual({ bandwidth: true });
  });

  test("a named network comes from the config directory, in file name order, .conf files as lists of one", () => {
    const s = new FaultStorage();
    put(s, "/etc/cni/net.d/10-other.conflist", JSON.stringify({ cniVersion: "1.0.0", name: "other", plugins: [{ type: "ptp" }] }));
    put(s, "/etc/cni/net.d/20-lan.conflist", JSON.stringify({ cniVersion: "0.4.0", name: "lan", plugins: [{ type: "macvlan", master: "eth0" }] }));
    put(s, "/etc/cni/net.d/30-lan.conflist", JSON.stringify({ cniVersion: "1.0.0", name: "lan", plugins: [{ type: "ipvlan" }] }));
    put(s, "/etc/cni/net.d/40-one.conf", JSON.stringify({ cniVersion: "1.0.0", name: "one", type: "bridge", bridge: "br1" }));
    expect(networkList("lan", env, s).plugins).toEqual([{ type: "macvlan", master: "eth0" }]);
    expect(networkList("one", env, s)).toEqual({ cniVersion: "1.0.0", name: "one", plugins: [{ type: "bridge", bridge: "br1" }] });
  });

  test("skips files that are not CNI configs or are too large, and says where it looked when none matches", () => {
    const s = new FaultStorage();
    put(s, "/etc/cni/net.d/00-broken.conflist", "{not json");
    put(s, "/etc/cni/net.d/01-huge.conflist", `{"cniVersion":"1.0.0","name":"lan","plugins":[{"type":"x"}],"pad":"${"x".repeat(1 << 20)}"}`);
    put(s, "/etc/cni/net.d/02-notes.txt", "lan");
    put(s, "/etc/cni/net.d/03-lan.json", JSON.stringify({ cniVersion: "1.0.0", name: "lan", plugins: [{ type: "ptp" }] }));
    expect(networkList("lan", env, s).plugins).toEqual([{ type: "ptp" }]);
    expect(() => networkList("wan", env, s)).toThrow("No CNI network named 'wan' in '/etc/cni/net.d'");
  });
});
