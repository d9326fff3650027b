// linux.netDevices: a host interface moved into the container's network namespace with its new name and its address,
// and back (or gone) at delete. Everything runs inside a network namespace this test makes, with a veth pair it
// makes, never the host's own interfaces.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeBundle, type TestConfig } from "../support/bundle.ts";
import { bunker, newRoot, skipReason } from "../support/cli.ts";

const missing = ["unshare", "nsenter", "ip", "umount"].find((t) => Bun.spawnSync(["sh", "-c", `command -v ${t}`]).exitCode !== 0);
const skip = skipReason() ?? (missing ? `'${missing}' is not installed (util-linux, iproute2)` : undefined);
if (skip) console.log(`SKIP net-devices: ${skip}`);

describe.skipIf(!!skip)("linux.netDevices", () => {
  const dir = mkdtempSync(join(tmpdir(), "bunker-netdev-"));
  /** A network namespace pinned to a file (not /run/netns, which other tests on the machine may clean up). */
  const ns = join(dir, "netns");
  const root = newRoot();
  const bundles: string[] = [];
  const inNs = (...argv: string[]) => Bun.spawnSync(["nsenter", `--net=${ns}`, ...argv], { stdout: "pipe", stderr: "pipe" });
  const sh = (cmd: string) => {
    const p = inNs("sh", "-c", cmd);
    if (p.exitCode !== 0) throw new Error(`'${cmd}' failed: ${p.stderr.toString()}`);
    return p.stdout.toString();
  };
  const bunkerNs = (...argv: string[]) => bunker(root, argv, { netns: ns });
  const bundle = (args: string[], devices: Record<string, { name?: string }>, edit: (c: TestConfig) => TestConfig = (c) => c) => {
    const b = makeBundle(args, (c) => {
      const e = edit(c);
      return { ...e, linux: { ...e.linux, netDevices: devices } };
    });
    bundles.push(b);
    return b;
  };

  beforeAll(() => {
    writeFileSync(ns, "");
    const u = Bun.spawnSync(["unshare", `--net=${ns}`, "true"], { stderr: "pipe" });
    if (u.exitCode !== 0) throw new Error(`unshare --net: ${u.stderr.toString()}`);
  });
  afterAll(() => {
    for (const id of ["moved", "gone", "bad"]) bunkerNs("delete", "--force", id);
    for (const b of bundles) rmSync(b, { recursive: true, force: true });
    rmSync(root, { recursive: true, force: true });
    Bun.spawnSync(["umount", ns]);
    rmSync(dir, { recursive: true, force: true });
  });
  const pair = () => {
    sh("ip link del bkv0 2>/dev/null; ip link del bkv1 2>/dev/null; ip link add bkv0 type veth peer name bkv1 && ip addr add 10.99.0.1/24 dev bkv0 && ip link set bkv0 up");
  };

  test("moves the interface in under its new name, with its address and up, and back with its own name at delete", () => {
    pair();
    const b = bundle(["sleep", "1000"], { bkv0: { name: "eth9" } });
    const created = bunkerNs("run", "-d", "--bundle", b, "moved");
    expect(created.stderr).toBe("");
    expect(created.code).toBe(0);
    expect(sh("ip -o link show")).not.toContain("bkv0");
    const inside = bunkerNs("exec", "moved", "ip", "-o", "addr", "show", "dev", "eth9");
    expect(inside.stdout).toContain("inet 10.99.0.1/24");
    expect(bunkerNs("exec", "moved", "ip", "-o", "link", "show", "dev", "eth9").stdout).toMatch(/<[^>]*\bUP\b/);
    expect(bunkerNs("delete", "--force", "moved").code).toBe(0);
    expect(sh("ip -o addr show dev bkv0")).toContain("inet 10.99.0.1/24");
  });

  test("a device whose namespace died with the container is gone (a veth is destroyed, as the kernel does)", () => {
    pair();
    const b = bundle(["true"], { bkv0: {} });
    expect(bunkerNs("run", "--bundle", b, "gone").code).toBe(0);
    expect(sh("ip -o link show")).not.toContain("bkv");
  });

  test("a missing device, a name the kernel refuses or a device without a network namespace fail create and leave nothing", () => {
    pair();
    const cases: [Record<string, { name?: string }>, string, ((c: TestConfig) => TestConfig)?][] = [
      [{ nosuchdev0: {} }, "'nosuchdev0'"],
      [{ bkv0: { name: "a-name-longer-than-15" } }, "/linux/netDevices/bkv0/name"],
      [{ "bk/v0": {} }, "/linux/netDevices/bk~1v0"],
      [{ bkv0: {} }, "/linux/netDevices", (c) => ({ ...c, linux: { ...c.linux, namespaces: c.linux.namespaces.filter((n) => n.type !== "network") } })],
    ];
    for (const [devices, field, edit] of cases) {
      const r = bunkerNs("create", "--bundle", bundle(["true"], devices, edit), "bad");
      expect(r.code).toBe(1);
      expect(r.stderr.trimEnd().split("\n")).toEqual([expect.stringContaining(field)]);
      expect(readdirSync(root).filter((f) => f !== "journal")).toEqual([]);
    }
    expect(sh("ip -o addr show dev bkv0")).toContain("inet 10.99.0.1/24");
  });
});
