import { afterAll, describe, expect, test } from "bun:test";
import { boardCheck } from "../../../../board/check.ts";
import { a53Board, fakeProbes, fakeView, removeTrees, type Tree } from "./fake-system.ts";

afterAll(removeTrees);

const item = (tree: Tree, id: string, probes = fakeProbes()) => boardCheck(fakeView(tree, probes)).items.find((i) => i.id === id)!;
const plugins = (dir: string, names: string[]): Tree => Object.fromEntries(names.map((n) => [`${dir}/${n}`, "\x7fELF"]));

describe("board check: network", () => {
  test("CNI plugins: ok with bridge, host-local, portmap and bandwidth; degraded without the last two; missing without bridge", () => {
    expect(item({ ...a53Board(), ...plugins("/usr/lib/cni", ["bridge", "host-local", "portmap", "bandwidth"]) }, "network.cni")).toMatchObject({ status: "ok", detail: "bridge, host-local, portmap, bandwidth in /usr/lib/cni" });
    expect(item({ ...a53Board(), ...plugins("/opt/cni/bin", ["bridge", "host-local"]) }, "network.cni")).toMatchObject({ status: "degraded", loss: expect.stringContaining("portmap and bandwidth missing") });
    expect(item({ ...a53Board(), ...plugins("/usr/lib/cni", ["host-local"]) }, "network.cni").status).toBe("missing");
  });

  test("the socket policy: ok where cgroup2 is mounted and a program loads; missing on a v1 host, or when the kernel refuses it", () => {
    expect(item(a53Board(), "network.socket-policy")).toMatchObject({ status: "ok", detail: "cgroup2 at /sys/fs/cgroup; a connect program loaded" });
    const v1 = { ...a53Board(), "/proc/self/mountinfo": "31 25 0:27 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory" };
    const probes = fakeProbes();
    expect(item(v1, "network.socket-policy", probes)).toMatchObject({ status: "missing", detail: expect.stringContaining("no cgroup2 (unified hierarchy) mounted") });
    expect(probes.calls).not.toContain("socket policy program");
    expect(item(a53Board(), "network.socket-policy", fakeProbes({ socketPolicy: { ok: false, errno: "EINVAL" } }))).toMatchObject({ status: "missing", detail: expect.stringContaining("(EINVAL)") });
  });

  test("traffic shaping: unverified without a published kernel config", () => {
    expect(item(a53Board(), "network.shaping").status).toBe("degraded");
  });
});
