import { describe, expect, test } from "bun:test";
import { errnoNumber, SysError } from "../../../../ffi/errno.ts";
import { IFA_F_PERMANENT, type LinkAddress, type LinkOps } from "../../../../ffi/netlink.ts";
import { moveNetDevicesIn, moveNetDevicesOut } from "../../../../runtime/container/net-devices.ts";

/** Two namespaces of links: the host's (socket 1) and the container's (socket 2); fds 3 and 4 name them. */
const fakeLinks = (host: Record<string, LinkAddress[]>, failOn?: (call: string, args: unknown[]) => string | undefined) => {
  const ns: Record<number, Map<string, { index: number; up: boolean; addrs: LinkAddress[] }>> = { 1: new Map(), 2: new Map() };
  let next = 10;
  for (const [name, addrs] of Object.entries(host)) ns[1]!.set(name, { index: next++, up: true, addrs });
  const calls: string[] = [];
  const find = (sock: number, index: number) => [...ns[sock]!.entries()].find(([, l]) => l.index === index)!;
  const nsOfFd = (fd: number) => (fd === 3 ? 1 : 2);
  const wrap = <A extends unknown[], R>(name: string, fn: (...a: A) => R) => (...a: A): R => {
    calls.push(`${name}(${a.join(",")})`);
    const errno = failOn?.(name, a);
    if (errno) throw new SysError(name, errnoNumber(errno), "(injected)");
    return fn(...a);
  };
  const ops: LinkOps = {
    routeSocket: wrap("routeSocket", () => 1),
    routeSocketIn: wrap("routeSocketIn", () => 2),
    open: wrap("open", (path: string) => (path.startsWith("/proc/thread-self") ? 3 : 4)),
    close: wrap("close", () => {}),
    linkIndex: wrap("linkIndex", (sock: number, name: string) => {
      const l = ns[sock]!.get(name);
      if (!l) throw new SysError("RTM_GETLINK", errnoNumber("ENODEV"), name);
      return l.index;
    }),
    linkAddresses: wrap("linkAddresses", (sock: number, index: number) => find(sock, index)[1].addrs),
    linkSetUp: wrap("linkSetUp", (sock: number, index: number, up: boolean) => void (find(sock, index)[1].up = up)),
    linkMove: wrap("linkMove", (sock: number, index: number, name: string, nsFd: number) => {
      const [old, link] = find(sock, index);
      ns[sock]!.delete(old);
      if (ns[nsOfFd(nsFd)]!.has(name)) throw new SysError("RTM_NEWLINK", errnoNumber("EEXIST"), name);
      ns[nsOfFd(nsFd)]!.set(name, { ...link, addrs: [], up: false });
    }),
    addLinkAddress: wrap("addLinkAddress", (sock: number, index: number, a: LinkAddress) => void find(sock, index)[1].addrs.push(a)),
  };
  return { ops, ns, calls };
};

const v4 = (flags: number, scope = 0): LinkAddress => ({ family: 2, prefixlen: 24, flags, scope, attrs: [{ type: 2, data: Buffer.from([10, 0, 0, 1]) }] });

describe("moveNetDevicesIn()", () => {
  test("renames and moves in one request, carries permanent global addresses, brings the link up; closes what it opened", () => {
    const f = fakeLinks({ veth0: [v4(IFA_F_PERMANENT), v4(0), v4(IFA_F_PERMANENT, 253)] });
    moveNetDevicesIn(42, { veth0: { name: "eth0" } }, f.ops);
    expect(f.ns[1]!.has("veth0")).toBe(false);
    expect(f.ns[2]!.get("eth0")).toEqual({ index: 10, up: true, addrs: [v4(IFA_F_PERMANENT)] });
    expect(f.calls).toContain("routeSocketIn(/proc/42/ns/net)");
    expect(f.calls).toContain("linkMove(1,10,eth0,4)");
    expect(f.calls.filter((c) => c.startsWith("close"))).toHaveLength(4);
  });

  test("a failure moves back what was moved, and leaves alone a container link it did not move", () => {
    const f = fakeLinks({ a0: [], b0: [] }, (call, args) => (call === "linkMove" && args[2] === "lo" ? "EEXIST" : undefined));
    f.ns[2]!.set("lo", { index: 1, up: true, addrs: [] });
    expect(() => moveNetDevicesIn(42, { a0: { name: "x0" }, b0: { name: "lo" } }, f.ops)).toThrow("Moving network device 'b0' into the container as 'lo' failed");
    expect([...f.ns[1]!.keys()].sort()).toEqual(["a0", "b0"]);
    expect([...f.ns[2]!.keys()]).toEqual(["lo"]);
  });
});

describe("moveNetDevicesOut()", () => {
  test("moves each device back under its host name; one gone from the container is not an error", () => {
    const f = fakeLinks({ a0: [v4(IFA_F_PERMANENT)] });
    moveNetDevicesIn(42, { a0: { name: "eth0" } }, f.ops);
    expect(moveNetDevicesOut(42, { a0: { name: "eth0" }, b0: {} }, f.ops)).toEqual([]);
    expect(f.ns[1]!.get("a0")?.addrs).toEqual([v4(IFA_F_PERMANENT)]);
  });

  test("reports a device it could not move back, for delete to warn about", () => {
    const f = fakeLinks({ a0: [] });
    moveNetDevicesIn(42, { a0: {} }, f.ops);
    const failing = fakeLinks({});
    failing.ns[2]!.set("a0", { index: 5, up: true, addrs: [] });
    const ops = { ...failing.ops, linkMove: () => { throw new SysError("RTM_NEWLINK", errnoNumber("EBUSY"), ""); } };
    const problems = moveNetDevicesOut(42, { a0: {} }, ops);
    expect(problems.map((e) => e.message)).toEqual(["Moving network device 'a0' back to the host as 'a0' failed"]);
  });
});
