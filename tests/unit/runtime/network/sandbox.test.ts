import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FaultStorage } from "../../../../runtime/durable/fault-storage.ts";
import type { Config } from "../../../../runtime/spec/config.ts";
import { prepareNetwork } from "../../../../runtime/network/sandbox.ts";

const tmp = mkdtempSync(join(tmpdir(), "bunker-net-sandbox-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const stateDir = (): string => mkdtempSync(join(tmp, `c${n++}-`));
const env = { dir: "/net", configDir: "/etc/cni/net.d", cniPath: ["/usr/lib/cni"] };
const host = { resolv: "nameserver 127.0.0.53\nnameserver 10.0.0.1\n", hosts: "127.0.0.1 localhost\n", hostname: "board" };

const config = (annotations: Record<string, string>, namespaces: { type: string; path?: string }[] = [{ type: "pid" }, { type: "network" }, { type: "uts" }, { type: "mount" }]): Config =>
  ({
    ociVersion: "1.2.0",
    process: { args: ["sh"], cwd: "/", user: { uid: 0, gid: 0 }, capabilities: { bounding: ["CAP_NET_RAW", "CAP_KILL"], effective: ["CAP_NET_RAW"], permitted: ["CAP_NET_RAW", "CAP_KILL"] } },
    root: { path: "/rootfs" },
    hostname: "web",
    mounts: [{ destination: "/proc", type: "proc", source: "proc" }],
    linux: { namespaces },
    annotations,
  }) as unknown as Config;

const prepare = (c: Config) => prepareNetwork({ config: c, id: "c1", stateDir: stateDir(), env, host, storage: new FaultStorage() });

describe("prepareNetwork()", () => {
  test("without a network annotation the config stays exactly as it is", () => {
    const c = config({});
    expect(prepare(c)).toEqual({ config: c });
  });

  test("host: no network namespace of its own, and the host's resolver and hosts file", () => {
    const p = prepare(config({ "bunker.network": "host" }));
    expect(p.config.linux?.namespaces?.map((x) => x.type)).toEqual(["pid", "uts", "mount"]);
    expect(readFileSync(join(p.state!.etc!, "resolv.conf"), "utf8")).toContain("nameserver 127.0.0.53");
    expect(p.state).toEqual({ mode: "host", etc: p.state!.etc });
  });

  test("none and bridge give the container a namespace of its own when the config has none", () => {
    const p = prepare(config({ "bunker.network": "none" }, [{ type: "pid" }, { type: "mount" }]));
    expect(p.config.linux?.namespaces).toEqual([{ type: "pid" }, { type: "mount" }, { type: "network" }]);
  });

  test("refuses a network mode when the config joins another namespace, before anything is made", () => {
    expect(() => prepare(config({ "bunker.network": "bridge" }, [{ type: "network", path: "/run/netns/x" }]))).toThrow("joins '/run/netns/x'");
  });

  test("bridge: the list, the pin and cache paths, and the /etc files mounted over the rootfs's", () => {
    const p = prepare(config({ "bunker.network": "bridge" }));
    expect(p.list?.name).toBe("bunker");
    expect(p.state).toMatchObject({ mode: "cni", network: "bunker", ifName: "eth0", cache: "/net/results/bunker-c1-eth0" });
    expect(p.state?.netns?.endsWith("/netns")).toBe(true);
    const mounts = p.config.mounts!.slice(1);
    expect(mounts.map((m) => m.destination)).toEqual(["/etc/hostname", "/etc/hosts", "/etc/resolv.conf"]);
    expect(mounts.every((m) => m.type === "bind" && m.source?.startsWith(p.state!.etc!))).toBe(true);
    expect(readFileSync(join(p.state!.etc!, "hostname"), "utf8")).toBe("web\n");
    expect(readFileSync(join(p.state!.etc!, "resolv.conf"), "utf8")).toBe("# Written by bunker\nnameserver 10.0.0.1\n");
  });

  test("a policy without packet in its families takes CAP_NET_RAW from every set; with packet it stays", () => {
    const p = prepare(config({ "bunker.net.families": "inet" }));
    expect(p.config.process.capabilities).toEqual({ bounding: ["CAP_KILL"], effective: [], permitted: ["CAP_KILL"] });
    expect(p.config.linux?.namespaces).toEqual(config({}).linux?.namespaces);
    expect(prepare(config({ "bunker.net.families": "inet,packet" })).config.process.capabilities?.effective).toEqual(["CAP_NET_RAW"]);
  });
});
