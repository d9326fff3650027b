import { describe, expect, test } from "bun:test";
import { bindInsns, connect4Insns, connect6Insns, POLICY_HOOKS, sockCreateInsns } from "../../../../runtime/network/sock-policy-program.ts";
import { parseIpv6, policyAnnotations, policyFromAnnotations, type SockPolicy } from "../../../../runtime/network/sock-policy.ts";
import { runProgram } from "../bpf/interpreter.ts";

/** struct bpf_sock_addr as the kernel fills it for connect/bind/sendmsg: addresses and port in network order. */
const sockAddr = (ip: number[], port: number, protocol = 6): Buffer => {
  const b = Buffer.alloc(72);
  b.writeUInt32LE(ip.length === 4 ? 2 : 10, 0);
  Buffer.from(ip).copy(b, ip.length === 4 ? 4 : 8);
  b.writeUInt8(port >> 8, 24);
  b.writeUInt8(port & 0xff, 25);
  b.writeUInt32LE(protocol, 36);
  return b;
};
const v4 = (s: string): number[] => s.split(".").map(Number);
const v6 = (s: string): number[] => parseIpv6(s)!;
const policy = (a: Record<string, string>): SockPolicy => policyFromAnnotations(a)!;

describe("policyFromAnnotations()", () => {
  test("reads connect rules with prefixes, port ranges and protocols, IPv6 in brackets, and prints them back", () => {
    const p = policy({ "bunker.net.connect": "127.0.0.1:8080, 10.1.2.3/8:1-1024/tcp,[::1]:53/udp,[fd00::1]/8" });
    expect(p.connect).toEqual([
      { family: 4, addr: [127, 0, 0, 1], prefix: 32, lo: 8080, hi: 8080 },
      { family: 4, addr: [10, 0, 0, 0], prefix: 8, lo: 1, hi: 1024, protocol: "tcp" },
      { family: 6, addr: v6("::1"), prefix: 128, lo: 53, hi: 53, protocol: "udp" },
      { family: 6, addr: v6("fd00::"), prefix: 8, lo: 0, hi: 65535 },
    ]);
    expect(policyAnnotations(p)).toEqual({ "bunker.net.connect": "127.0.0.1:8080,10.0.0.0/8:1-1024/tcp,[0:0:0:0:0:0:0:1]:53/udp,[fd00:0:0:0:0:0:0:0]/8:*" });
    expect(policyFromAnnotations(policyAnnotations(p))).toEqual(p);
  });

  test("'none' allows nothing; an absent key restricts nothing", () => {
    expect(policy({ "bunker.net.connect": "none" })).toEqual({ connect: [] });
    expect(policyFromAnnotations({ "bunker.memory.class": "x" })).toBeUndefined();
  });

  test("reads bind ports, families, socket types, mark and priority", () => {
    expect(policy({ "bunker.net.bind": "8080,9000-9100/udp", "bunker.net.families": "inet, inet6", "bunker.net.socket-types": "stream,dgram,stream", "bunker.net.mark": "42", "bunker.net.priority": "6" })).toEqual({
      bind: [{ lo: 8080, hi: 8080 }, { lo: 9000, hi: 9100, protocol: "udp" }],
      families: ["inet", "inet6"],
      types: ["stream", "dgram"],
      mark: 42,
      priority: 6,
    });
  });

  test.each([
    ["bunker.net.connect", "localhost:80", "is not ADDRESS"],
    ["bunker.net.connect", "1.2.3:80", "does not start with an IPv4 address"],
    ["bunker.net.connect", "10.0.0.256:80", "IPv4 address"],
    ["bunker.net.connect", "10.0.0.0/33", "prefix longer than 32"],
    ["bunker.net.connect", "[::1]/129", "prefix longer than 128"],
    ["bunker.net.connect", "[1::2::3]:80", "IPv6 address"],
    ["bunker.net.connect", "10.0.0.1:70000", "not a port"],
    ["bunker.net.connect", "10.0.0.1:90-80", "ends before it starts"],
    ["bunker.net.connect", "10.0.0.1:80/sctp", "protocol other than"],
    ["bunker.net.bind", "http", "not a port"],
    ["bunker.net.families", "inet,unix", "is not one of inet, inet6, packet"],
    ["bunker.net.socket-types", "raw,rdm", "is not one of stream, dgram, raw, seqpacket"],
    ["bunker.net.mark", "0x10", "not an integer of 32 bits"],
    ["bunker.net.priority", "4294967296", "not an integer of 32 bits"],
  ])("refuses %s %p, naming the annotation", (key, value, why) => {
    expect(() => policyFromAnnotations({ [key]: value })).toThrow(new RegExp(`Annotation '${key}'.*${why.replace(/[()]/g, "\\$&")}`));
  });

  test("quotes a refused value with its control characters escaped", () => {
    expect(() => policyFromAnnotations({ "bunker.net.bind": "80\u001b[2J" })).toThrow('"80\\u001b[2J"');
  });
});

describe("the connect programs", () => {
  const only8080 = policy({ "bunker.net.connect": "127.0.0.1:8080" }).connect!;

  test("allow exactly the listed destination and deny every other address and port", () => {
    const p = connect4Insns(only8080);
    expect(runProgram(p, sockAddr(v4("127.0.0.1"), 8080)).r0).toBe(1);
    expect(runProgram(p, sockAddr(v4("127.0.0.1"), 8081)).r0).toBe(0);
    expect(runProgram(p, sockAddr(v4("127.0.0.2"), 8080)).r0).toBe(0);
    expect(runProgram(p, sockAddr(v4("10.0.0.1"), 80)).r0).toBe(0);
  });

  test("match a prefix, a port range and a protocol, also for addresses above 2^31", () => {
    const p = connect4Insns(policy({ "bunker.net.connect": "192.168.0.0/16:1000-2000/udp" }).connect!);
    expect(runProgram(p, sockAddr(v4("192.168.77.1"), 1500, 17)).r0).toBe(1);
    expect(runProgram(p, sockAddr(v4("192.168.77.1"), 1000, 17)).r0).toBe(1);
    expect(runProgram(p, sockAddr(v4("192.168.77.1"), 2000, 17)).r0).toBe(1);
    expect(runProgram(p, sockAddr(v4("192.168.77.1"), 2001, 17)).r0).toBe(0);
    expect(runProgram(p, sockAddr(v4("192.168.77.1"), 999, 17)).r0).toBe(0);
    expect(runProgram(p, sockAddr(v4("192.168.77.1"), 1500, 6)).r0).toBe(0);
    expect(runProgram(p, sockAddr(v4("192.169.0.1"), 1500, 17)).r0).toBe(0);
  });

  test("an empty rule list (none) denies everything, a /0 rule with every port allows everything", () => {
    expect(runProgram(connect4Insns([]), sockAddr(v4("127.0.0.1"), 80)).r0).toBe(0);
    expect(runProgram(connect4Insns(policy({ "bunker.net.connect": "0.0.0.0/0" }).connect!), sockAddr(v4("8.8.8.8"), 53)).r0).toBe(1);
  });

  test("an IPv6 socket connecting to an IPv4-mapped address meets the IPv4 rules", () => {
    const p = connect6Insns(only8080);
    expect(runProgram(p, sockAddr(v6("::ffff:127.0.0.1"), 8080)).r0).toBe(1);
    expect(runProgram(p, sockAddr(v6("::ffff:127.0.0.2"), 8080)).r0).toBe(0);
    expect(runProgram(p, sockAddr(v6("::1"), 8080)).r0).toBe(0);
  });

  test("IPv6 prefixes compare word by word, including a partial word", () => {
    const p = connect6Insns(policy({ "bunker.net.connect": "[fd00:1234::]/20:443" }).connect!);
    expect(runProgram(p, sockAddr(v6("fd00:1fff::1"), 443)).r0).toBe(1);
    expect(runProgram(p, sockAddr(v6("fd00:2000::1"), 443)).r0).toBe(0);
    expect(runProgram(p, sockAddr(v6("fd00:1fff::1"), 80)).r0).toBe(0);
    const one = connect6Insns(policy({ "bunker.net.connect": "[2001:db8::7]:80" }).connect!);
    expect(runProgram(one, sockAddr(v6("2001:db8::7"), 80)).r0).toBe(1);
    expect(runProgram(one, sockAddr(v6("2001:db8::8"), 80)).r0).toBe(0);
    expect(runProgram(one, sockAddr(v6("::ffff:0.0.0.7"), 80)).r0).toBe(0);
  });
});

describe("the bind program", () => {
  test("allows the listed ports (with their protocols) and nothing else, port 0 included", () => {
    const p = bindInsns(policy({ "bunker.net.bind": "8080,7000-7010/udp" }).bind!);
    expect(runProgram(p, sockAddr(v4("0.0.0.0"), 8080, 6)).r0).toBe(1);
    expect(runProgram(p, sockAddr(v4("0.0.0.0"), 7005, 17)).r0).toBe(1);
    expect(runProgram(p, sockAddr(v4("0.0.0.0"), 7005, 6)).r0).toBe(0);
    expect(runProgram(p, sockAddr(v4("0.0.0.0"), 8081, 6)).r0).toBe(0);
    expect(runProgram(p, sockAddr(v4("0.0.0.0"), 0, 6)).r0).toBe(0);
  });
});

describe("the sock-create program", () => {
  /** struct bpf_sock at creation: family, type, protocol; mark and priority written by the program. */
  const sock = (family: number, type: number, protocol = 0): Buffer => {
    const b = Buffer.alloc(24);
    b.writeUInt32LE(family, 4);
    b.writeUInt32LE(type, 8);
    b.writeUInt32LE(protocol, 12);
    return b;
  };

  test("allows the listed families and types only", () => {
    const p = sockCreateInsns(policy({ "bunker.net.families": "inet", "bunker.net.socket-types": "stream,dgram" }));
    expect(runProgram(p, sock(2, 1)).r0).toBe(1);
    expect(runProgram(p, sock(2, 2)).r0).toBe(1);
    expect(runProgram(p, sock(2, 3, 1)).r0).toBe(0);
    expect(runProgram(p, sock(10, 1)).r0).toBe(0);
  });

  test("sets the mark and priority of every socket it allows", () => {
    const run = runProgram(sockCreateInsns(policy({ "bunker.net.mark": "4294967295", "bunker.net.priority": "6" })), sock(10, 2));
    expect(run.r0).toBe(1);
    expect(run.ctx.readUInt32LE(16)).toBe(0xffffffff);
    expect(run.ctx.readUInt32LE(20)).toBe(6);
  });

  test("packet alone in the families denies every inet socket (packet sockets are kept out by the capability)", () => {
    expect(runProgram(sockCreateInsns(policy({ "bunker.net.families": "packet" })), sock(2, 1)).r0).toBe(0);
  });
});

describe("POLICY_HOOKS", () => {
  test("the connect rules also go to the UDP sendmsg hooks, and a hook the policy leaves alone gets no program", () => {
    const p = policy({ "bunker.net.connect": "127.0.0.1:53/udp" });
    expect(POLICY_HOOKS.filter((h) => h.insns(p)).map((h) => h.name)).toEqual(["connect4", "connect6", "sendmsg4", "sendmsg6"]);
    expect(POLICY_HOOKS.filter((h) => h.insns(policy({ "bunker.net.mark": "1" }))).map((h) => h.name)).toEqual(["sock-create"]);
  });
});

describe("applySockPolicy() and missingPolicyPrograms()", () => {
  test("replaces the programs of the hooks the policy uses, detaches the others, and notices a program gone", async () => {
    const { applySockPolicy, missingPolicyPrograms } = await import("../../../../runtime/network/sock-policy-attach.ts");
    const { fakeNetwork } = await import("./fake-network.ts");
    const sys = fakeNetwork();
    const first = applySockPolicy("/cg", policy({ "bunker.net.connect": "127.0.0.1:80", "bunker.net.bind": "80" }), sys.bpf);
    expect(Object.keys(first)).toEqual(["connect4", "connect6", "sendmsg4", "sendmsg6", "bind4", "bind6"]);
    expect(sys.log.filter((l) => l.startsWith("detach"))).toEqual(["detach 2 /cg"]);
    const second = applySockPolicy("/cg", policy({ "bunker.net.connect": "127.0.0.1:81" }), sys.bpf);
    expect(Object.keys(second)).toEqual(["connect4", "connect6", "sendmsg4", "sendmsg6"]);
    expect(sys.log.filter((l) => l.startsWith("detach")).slice(1)).toEqual(["detach 8 /cg", "detach 9 /cg", "detach 2 /cg"]);
    expect(missingPolicyPrograms("/cg", second, sys.bpf)).toEqual([]);
    sys.programs.delete("/cg 10");
    expect(missingPolicyPrograms("/cg", second, sys.bpf)).toEqual(["connect4"]);
  });
});
