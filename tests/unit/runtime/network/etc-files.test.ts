import { describe, expect, test } from "bun:test";
import { renderEtc, renderHosts, renderResolv, type EtcInput } from "../../../../runtime/network/etc-files.ts";

const base: EtcInput = {
  hostname: "web",
  hostResolv: "# generated\nnameserver 127.0.0.53\nnameserver 192.168.1.1\nsearch home.lan\noptions edns0 trust-ad\n",
  hostHosts: "127.0.0.1 localhost\n192.168.1.10 board\n",
  shared: false,
  request: { dns: {}, hosts: [] },
};

describe("the /etc files", () => {
  test("resolv.conf: the host's servers without its loopback ones, its search list and options", () => {
    expect(renderResolv(base)).toBe("# Written by bunker\nnameserver 192.168.1.1\nsearch home.lan\noptions edns0 trust-ad\n");
  });

  test("resolv.conf of a container on the host's network keeps the loopback resolver (it is reachable there)", () => {
    expect(renderResolv({ ...base, shared: true })).toContain("nameserver 127.0.0.53\n");
  });

  test("the CNI result's DNS overrides the host's, and the container's own settings override both", () => {
    const cni = { ...base, cniDns: { nameservers: ["10.87.0.1"], domain: "cluster" } };
    expect(renderResolv(cni)).toBe("# Written by bunker\nnameserver 10.87.0.1\nsearch cluster\noptions edns0 trust-ad\n");
    const own = { ...cni, request: { dns: { nameservers: ["10.0.0.53"], search: ["a", "b"], options: ["ndots:2"] }, hosts: [] } };
    expect(renderResolv(own)).toBe("# Written by bunker\nnameserver 10.0.0.53\nsearch a b\noptions ndots:2\n");
  });

  test("/etc/hosts names localhost, the container's addresses with its hostname, and the extra entries", () => {
    expect(renderHosts({ ...base, addresses: ["10.87.0.2/24"], request: { dns: {}, hosts: [{ name: "db", address: "10.87.0.9" }] } })).toBe(
      "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n10.87.0.2\tweb\n10.87.0.9\tdb\n",
    );
  });

  test("on the host's network /etc/hosts is the host's, plus the extra entries", () => {
    expect(renderHosts({ ...base, shared: true, request: { dns: {}, hosts: [{ name: "db", address: "10.0.0.9" }] } })).toBe(
      "127.0.0.1 localhost\n192.168.1.10 board\n10.0.0.9\tdb\n",
    );
  });

  test("/etc/hostname is the hostname and a newline", () => {
    expect(renderEtc(base).hostname).toBe("web\n");
  });
});
