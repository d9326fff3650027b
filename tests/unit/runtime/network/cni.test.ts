import { describe, expect, test } from "bun:test";
import { checkOutput, cniEnvironment, CniPluginError, findPlugin, type PluginCall } from "../../../../runtime/network/cni-exec.ts";
import { addNetworkList, checkNetworkList, delNetworkList, pluginConfig, type RuntimeConf } from "../../../../runtime/network/cni.ts";
import { decodeConfigList, type NetworkConfigList } from "../../../../runtime/network/cni-types.ts";
import { bridgeResult, fakeNetwork } from "./fake-network.ts";

const list: NetworkConfigList = decodeConfigList(
  {
    cniVersion: "1.0.0",
    name: "testnet",
    plugins: [
      { type: "bridge", bridge: "br0", ipam: { type: "host-local", subnet: "10.87.0.0/24" } },
      { type: "portmap", capabilities: { portMappings: true } },
      { type: "bandwidth", capabilities: { bandwidth: true, portMappings: false } },
    ],
  },
  "test list",
);
const rt: RuntimeConf = {
  containerId: "c1", netns: "/run/bunker/c1/netns", ifName: "eth0", args: [["K", "V"]], path: ["/usr/lib/cni"],
  capabilityArgs: { portMappings: [{ hostPort: 8080, containerPort: 80, protocol: "tcp" }], bandwidth: { egressRate: 1000, egressBurst: 8000 } },
};

describe("addNetworkList()", () => {
  test("runs the plugins in order, each with the list's name and version and the previous result", () => {
    const sys = fakeNetwork();
    const added = addNetworkList(sys.runner, list, rt);
    expect(sys.plugins.map((p) => `${p.command} ${p.type}`)).toEqual(["ADD bridge", "ADD portmap", "ADD bandwidth"]);
    for (const p of sys.plugins) expect(p.config).toMatchObject({ cniVersion: "1.0.0", name: "testnet" });
    expect(sys.plugins[0]!.config.prevResult).toBeUndefined();
    expect(sys.plugins[1]!.config.prevResult).toEqual(bridgeResult(rt.netns));
    expect(added.result.interfaces?.map((i) => i.name)).toEqual(["bunker0", "veth1234", "eth0", "bwp-ifb"]);
  });

  test("passes each capability argument only to the plugins that declare it (true) in capabilities", () => {
    const sys = fakeNetwork();
    addNetworkList(sys.runner, list, rt);
    expect(sys.plugins[0]!.config.runtimeConfig).toBeUndefined();
    expect(sys.plugins[1]!.config.runtimeConfig).toEqual({ portMappings: rt.capabilityArgs.portMappings });
    expect(sys.plugins[2]!.config.runtimeConfig).toEqual({ bandwidth: rt.capabilityArgs.bandwidth });
  });

  test("keeps the input and output of the plugin that takes the bandwidth capability, for update", () => {
    const added = addNetworkList(fakeNetwork().runner, list, rt);
    expect(added.shaping).toEqual([{ index: 2, input: bridgeResult(rt.netns), output: added.result }]);
  });

  test("a failed ADD is followed by DEL of the whole list in reverse, and the error names the plugin and its message", () => {
    const sys = fakeNetwork({ answer: (c) => (c.command === "ADD" && c.type === "portmap" ? { code: 1, stdout: '{"cniVersion":"1.0.0","code":7,"msg":"no iptables","details":"exec: \\"iptables\\"\\u001b"}', stderr: "" } : undefined) });
    expect(() => addNetworkList(sys.runner, list, rt)).toThrow("Adding container 'c1' to network 'testnet' failed");
    expect(sys.log).toEqual(["ADD bridge", "ADD portmap", "DEL bandwidth", "DEL portmap", "DEL bridge"]);
    let caught: unknown;
    try {
      addNetworkList(sys.runner, list, rt);
    } catch (err) {
      caught = err;
    }
    const cause = (caught as Error).cause as Error;
    expect(cause).toBeInstanceOf(CniPluginError);
    expect(cause.message).toBe('CNI plugin \'portmap\' ADD failed: "no iptables" ("exec: \\"iptables\\"\\u001b"), code 7');
  });

  test("a DEL that fails while undoing a failed ADD is kept beside the ADD's error", () => {
    const sys = fakeNetwork({ answer: (c) => (c.type === "portmap" ? { code: 1, stdout: '{"code":7,"msg":"no iptables"}', stderr: "" } : undefined) });
    let caught: unknown;
    try {
      addNetworkList(sys.runner, list, rt);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(AggregateError);
    expect(((caught as AggregateError).errors[0] as Error).message).toBe('CNI plugin \'portmap\' DEL failed: "no iptables", code 7');
    expect(((caught as Error).cause as Error).message).toBe("Adding container 'c1' to network 'testnet' failed");
  });

  test("refuses a result that is not one, naming the plugin", () => {
    const sys = fakeNetwork({ answer: (c) => (c.command === "ADD" && c.type === "bridge" ? { code: 0, stdout: '{"cniVersion":"1.0.0","ips":[{"gateway":"x"}]}', stderr: "" } : undefined) });
    expect(() => addNetworkList(sys.runner, list, rt)).toThrow();
    try {
      addNetworkList(sys.runner, list, rt);
    } catch (err) {
      expect(((err as Error).cause as Error).message).toMatch(/^The result of CNI plugin 'bridge' ADD: \/ips\/0/);
    }
  });
});

describe("delNetworkList() and checkNetworkList()", () => {
  test("DEL runs the plugins last first, each with the ADD's result as prevResult", () => {
    const sys = fakeNetwork();
    const result = bridgeResult(rt.netns);
    delNetworkList(sys.runner, list, result, rt);
    expect(sys.log).toEqual(["DEL bandwidth", "DEL portmap", "DEL bridge"]);
    for (const p of sys.plugins) expect(p.config.prevResult).toEqual(result);
  });

  test("DEL stops at the first failure, as the spec says", () => {
    const sys = fakeNetwork({ answer: (c) => (c.type === "portmap" ? { code: 2, stdout: "", stderr: "boom" } : undefined) });
    expect(() => delNetworkList(sys.runner, list, undefined, rt)).toThrow("CNI plugin 'portmap' DEL failed: exit status 2: \"boom\"");
    expect(sys.log).toEqual(["DEL bandwidth", "DEL portmap"]);
  });

  test("CHECK runs in order with prevResult, and not at all for a list that disables it or predates CHECK", () => {
    const sys = fakeNetwork();
    checkNetworkList(sys.runner, list, bridgeResult(rt.netns), rt);
    expect(sys.log).toEqual(["CHECK bridge", "CHECK portmap", "CHECK bandwidth"]);
    const quiet = fakeNetwork();
    checkNetworkList(quiet.runner, { ...list, disableCheck: true }, bridgeResult(rt.netns), rt);
    checkNetworkList(quiet.runner, { ...list, cniVersion: "0.3.1" }, bridgeResult(rt.netns), rt);
    expect(quiet.log).toEqual([]);
  });

  test("CHECK leaves out a bandwidth plugin given no rate (Debian's 1.1.1 panics there; its ADD did nothing)", () => {
    const sys = fakeNetwork();
    const { bandwidth: _, ...noRates } = rt.capabilityArgs;
    checkNetworkList(sys.runner, list, bridgeResult(rt.netns), { ...rt, capabilityArgs: noRates });
    const fixed = { ...list, plugins: [...list.plugins.slice(0, 2), { type: "bandwidth", egressRate: 1000, egressBurst: 8000 }] };
    checkNetworkList(sys.runner, fixed, bridgeResult(rt.netns), { ...rt, capabilityArgs: noRates });
    expect(sys.log).toEqual(["CHECK bridge", "CHECK portmap", "CHECK bridge", "CHECK portmap", "CHECK bandwidth"]);
  });
});

describe("running a plugin", () => {
  const call: PluginCall = { type: "bridge", command: "ADD", containerId: "c1", netns: "/n", ifName: "eth0", args: [["A", "1"], ["B", "2"]], path: ["/a", "/b"], stdin: "{}" };

  test("the environment carries CNI_COMMAND, CNI_CONTAINERID, CNI_NETNS, CNI_IFNAME, CNI_ARGS and CNI_PATH, and a PATH for iptables", () => {
    expect(cniEnvironment(call)).toMatchObject({ CNI_COMMAND: "ADD", CNI_CONTAINERID: "c1", CNI_NETNS: "/n", CNI_IFNAME: "eth0", CNI_ARGS: "A=1;B=2", CNI_PATH: "/a:/b" });
    expect(cniEnvironment(call).PATH).toContain("/sbin");
  });

  test("a plugin type that is a path is refused before anything is looked up", () => {
    expect(() => findPlugin("../../bin/sh", ["/usr/lib/cni"])).toThrow('CNI plugin type "../../bin/sh" is not a plain executable name');
    expect(() => findPlugin("no-such-plugin", ["/nonexistent"])).toThrow("CNI plugin 'no-such-plugin' not found in '/nonexistent'");
  });

  test("a failure without an error document reports the exit status and what the plugin wrote, quoted", () => {
    expect(() => checkOutput(call, { code: 1, stdout: "", stderr: "panic:\n\u0007" })).toThrow('exit status 1: "panic:\\n\\u0007"');
  });

  test("pluginConfig() keeps the plugin's own settings and replaces name and version with the list's", () => {
    const doc = JSON.parse(pluginConfig({ ...list, plugins: [{ type: "bridge", name: "other", cniVersion: "0.3.1", bridge: "x" }] }, 0, undefined, rt));
    expect(doc).toEqual({ type: "bridge", name: "testnet", cniVersion: "1.0.0", bridge: "x" });
  });
});

describe("decodeConfigList()", () => {
  test("refuses a list without plugins, with a bad name or an unknown version, naming the field", () => {
    expect(() => decodeConfigList({ cniVersion: "1.0.0", name: "n", plugins: [] }, "l")).toThrow("l: /plugins");
    expect(() => decodeConfigList({ cniVersion: "1.0.0", name: "../x", plugins: [{ type: "bridge" }] }, "l")).toThrow("l: /name");
    expect(() => decodeConfigList({ cniVersion: "9.9.9", name: "n", plugins: [{ type: "bridge" }] }, "l")).toThrow("l: /cniVersion");
    expect(() => decodeConfigList({ cniVersion: "1.0.0", name: "n", plugins: [{ type: "a/b" }] }, "l")).toThrow("l: /plugins/0");
  });
});
