import { describe, expect, test } from "bun:test";
import { networkRequest } from "../../../../runtime/network/request.ts";
import { networkAnnotations, ServiceNetwork } from "../../../../runtime/network/service-network.ts";
import { Value } from "@sinclair/typebox/value";

describe("networkRequest()", () => {
  test("asks for nothing without a bunker.network* annotation (an engine's container keeps its config)", () => {
    expect(networkRequest({ "io.kubernetes.cri.sandbox-id": "x", "bunker.memory.class": "batch" })).toBeUndefined();
  });

  test("reads the modes: none, host, bridge and a network's name", () => {
    expect(networkRequest({ "bunker.network": "none" })?.mode).toEqual({ kind: "none" });
    expect(networkRequest({ "bunker.network": "host" })?.mode).toEqual({ kind: "host" });
    expect(networkRequest({ "bunker.network": "bridge" })?.mode).toEqual({ kind: "cni", network: "bridge" });
    expect(networkRequest({ "bunker.network": "lan-2" })?.mode).toEqual({ kind: "cni", network: "lan-2" });
    expect(() => networkRequest({ "bunker.network": "../etc" })).toThrow("is not none, host, bridge or the name of a CNI network");
  });

  test("reads published ports as CNI portMappings, host address and protocol optional", () => {
    const r = networkRequest({ "bunker.network": "bridge", "bunker.net.ports": "8080:80, 127.0.0.1:5353:53/udp,[::1]:9000:9000/tcp" });
    expect(r?.ports).toEqual([
      { hostPort: 8080, containerPort: 80, protocol: "tcp" },
      { hostPort: 5353, containerPort: 53, protocol: "udp", hostIP: "127.0.0.1" },
      { hostPort: 9000, containerPort: 9000, protocol: "tcp", hostIP: "::1" },
    ]);
    expect(() => networkRequest({ "bunker.network": "bridge", "bunker.net.ports": "0:80" })).toThrow("not a port (1-65535)");
    expect(() => networkRequest({ "bunker.network": "bridge", "bunker.net.ports": "80" })).toThrow("is not [HOST-IP:]HOST-PORT:CONTAINER-PORT");
    expect(() => networkRequest({ "bunker.network": "bridge", "bunker.net.ports": "example.com:80:80" })).toThrow("host address that is no IP address");
  });

  test("reads rates in bits per second and bursts in bytes, as the bandwidth plugin's bits", () => {
    const r = networkRequest({ "bunker.network": "bridge", "bunker.net.egress-rate": "10mbit", "bunker.net.egress-burst": "64k", "bunker.net.ingress-rate": "500k" });
    expect(r?.bandwidth).toEqual({ egressRate: 10_000_000, egressBurst: 64 * 1024 * 8, ingressRate: 500_000, ingressBurst: 64 * 1024 * 8 });
  });

  test("a rate alone gets a burst of 20 ms at that rate, never below 64 KiB", () => {
    expect(networkRequest({ "bunker.network": "bridge", "bunker.net.egress-rate": "1gbit" })?.bandwidth).toEqual({ egressRate: 1e9, egressBurst: 2e7 });
    expect(networkRequest({ "bunker.network": "bridge", "bunker.net.egress-rate": "1M" })?.bandwidth?.egressBurst).toBe(524288);
  });

  test("refuses a burst without a rate, a rate in bytes, and limits or ports without a CNI network", () => {
    expect(() => networkRequest({ "bunker.network": "bridge", "bunker.net.egress-burst": "64k" })).toThrow("is given without 'bunker.net.egress-rate'");
    expect(() => networkRequest({ "bunker.network": "bridge", "bunker.net.egress-rate": "10MB" })).toThrow("Annotation 'bunker.net.egress-rate'");
    expect(() => networkRequest({ "bunker.network": "host", "bunker.net.egress-rate": "10mbit" })).toThrow("rate limits need a CNI network");
    expect(() => networkRequest({ "bunker.net.ports": "80:80" })).toThrow("bunker.net.ports need a CNI network");
  });

  test("refuses DNS and hosts values that could start a new line in resolv.conf or /etc/hosts", () => {
    expect(() => networkRequest({ "bunker.network": "none", "bunker.net.dns-search": "lan\nnameserver 6.6.6.6" })).toThrow("Annotation 'bunker.net.dns-search'");
    expect(() => networkRequest({ "bunker.network": "none", "bunker.net.hosts": "db=10.0.0.1\n6.6.6.6 evil" })).toThrow("Annotation 'bunker.net.hosts'");
    expect(() => networkRequest({ "bunker.network": "none", "bunker.net.dns": "10.0.0.1 x" })).toThrow("is not an IP address");
    expect(networkRequest({ "bunker.network": "none", "bunker.net.dns": "10.0.0.1,fd00::53", "bunker.net.hosts": "db=10.0.0.5" })).toMatchObject({
      dns: { nameservers: ["10.0.0.1", "fd00::53"] },
      hosts: [{ name: "db", address: "10.0.0.5" }],
    });
  });

  test("a socket policy alone asks for no mode", () => {
    const r = networkRequest({ "bunker.net.bind": "8080" });
    expect(r?.mode).toBeUndefined();
    expect(r?.policy).toEqual({ bind: [{ lo: 8080, hi: 8080 }] });
  });
});

describe("networkAnnotations()", () => {
  test("turns a service's network section into the annotations create reads", () => {
    const section = Value.Default(ServiceNetwork, {
      mode: "bridge",
      ports: ["8080:80"],
      egress: { rate: "10mbit" },
      hosts: { db: "10.87.0.9" },
      policy: { connect: ["10.87.0.9:5432/tcp"], bind: [], families: ["inet"], socketTypes: ["stream"] },
    }) as ServiceNetwork;
    expect(Value.Check(ServiceNetwork, section)).toBe(true);
    const a = networkAnnotations(section);
    expect(a).toEqual({
      "bunker.network": "bridge",
      "bunker.net.ports": "8080:80",
      "bunker.net.egress-rate": "10mbit",
      "bunker.net.hosts": "db=10.87.0.9",
      "bunker.net.connect": "10.87.0.9:5432/tcp",
      "bunker.net.bind": "none",
      "bunker.net.families": "inet",
      "bunker.net.socket-types": "stream",
    });
    expect(networkRequest(a)?.policy?.bind).toEqual([]);
  });

  test("checks what it makes, as create will", () => {
    expect(() => networkAnnotations({ mode: "host", ports: ["80:80"] })).toThrow("need a CNI network");
  });

  test("fills in the default mode none", () => {
    expect(Value.Default(ServiceNetwork, {})).toEqual({ mode: "none", ports: [] });
  });
});
