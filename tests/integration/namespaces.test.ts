import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync, readlinkSync, rmSync } from "node:fs";
import { join } from "node:path";
import { makeBundle } from "../support/bundle.ts";
import { bunker, newRoot, skipReason } from "../support/cli.ts";
import { tempDirs } from "../support/temp.ts";

// Bundles and state roots of this file go when it is done.
tempDirs();

const skip = skipReason();
if (skip) console.log(`SKIP namespaces: ${skip}`);

describe.skipIf(!!skip)("namespaces", () => {
  const root = newRoot();
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  test("a container gets its own pid, net, ipc, uts and mount namespaces", () => {
    const bundle = makeBundle(["sleep", "100"]);
    expect(bunker(root, ["run", "-d", "--bundle", bundle, "ns1"]).code).toBe(0);
    const pid = JSON.parse(bunker(root, ["state", "ns1"]).stdout).pid;
    for (const ns of ["pid", "net", "ipc", "uts", "mnt"]) expect(readlinkSync(`/proc/${pid}/ns/${ns}`)).not.toBe(readlinkSync(`/proc/self/ns/${ns}`));
    // Not asked for: shared with the host.
    for (const ns of ["user", "cgroup"]) expect(readlinkSync(`/proc/${pid}/ns/${ns}`)).toBe(readlinkSync(`/proc/self/ns/${ns}`));
    expect(bunker(root, ["delete", "--force", "ns1"]).code).toBe(0);
  });

  test("a namespace with a path is joined, not made", () => {
    const first = makeBundle(["sleep", "100"]);
    expect(bunker(root, ["run", "-d", "--bundle", first, "ns-a"]).code).toBe(0);
    const pid = JSON.parse(bunker(root, ["state", "ns-a"]).stdout).pid;
    const second = makeBundle(["sleep", "100"], (c) => {
      c.linux.namespaces = c.linux.namespaces.map((n) => (n.type === "network" || n.type === "uts" ? { ...n, path: `/proc/${pid}/ns/${n.type === "network" ? "net" : "uts"}` } : n));
      return c;
    });
    const r = bunker(root, ["run", "-d", "--bundle", second, "ns-b"]);
    expect(r.stderr).toBe("");
    const pid2 = JSON.parse(bunker(root, ["state", "ns-b"]).stdout).pid;
    expect(readlinkSync(`/proc/${pid2}/ns/net`)).toBe(readlinkSync(`/proc/${pid}/ns/net`));
    expect(readlinkSync(`/proc/${pid2}/ns/uts`)).toBe(readlinkSync(`/proc/${pid}/ns/uts`));
    expect(readlinkSync(`/proc/${pid2}/ns/pid`)).not.toBe(readlinkSync(`/proc/${pid}/ns/pid`));
    bunker(root, ["delete", "--force", "ns-b"]);
    bunker(root, ["delete", "--force", "ns-a"]);
  });

  test("a container joining another's PID namespace: its program's PID comes with start, exec enters that namespace", async () => {
    const first = makeBundle(["sleep", "100"]);
    expect(bunker(root, ["run", "-d", "--bundle", first, "pid-a"]).code).toBe(0);
    const pid = JSON.parse(bunker(root, ["state", "pid-a"]).stdout).pid;
    const second = makeBundle(["sleep", "100"], (c) => {
      c.linux.namespaces = c.linux.namespaces.map((n) => (n.type === "pid" ? { type: "pid", path: `/proc/${pid}/ns/pid` } : n));
      return c;
    });
    const pidFile = join(second, "pid");
    expect(bunker(root, ["create", "--pid-file", pidFile, "--bundle", second, "pid-b"]).stderr).toBe("");
    // Before start, exec lands in the joined namespace: it sees the first container's sleep.
    expect(bunker(root, ["exec", "pid-b", "sh", "-c", "ps -o comm | grep -c sleep"]).stdout).toBe("1\n");
    expect(bunker(root, ["start", "pid-b"]).stderr).toBe("");
    const pid2 = JSON.parse(bunker(root, ["state", "pid-b"]).stdout).pid;
    expect(readFileSync(pidFile, "utf8")).toBe(String(pid2));
    expect(readlinkSync(`/proc/${pid2}/ns/pid`)).toBe(readlinkSync(`/proc/${pid}/ns/pid`));
    for (let i = 0; i < 100 && !readFileSync(`/proc/${pid2}/cmdline`, "utf8").startsWith("sleep"); i++) await Bun.sleep(10);
    expect(readFileSync(`/proc/${pid2}/cmdline`, "utf8")).toBe("sleep\0" + "100\0");
    expect(JSON.parse(bunker(root, ["state", "pid-b"]).stdout).status).toBe("running");
    expect(bunker(root, ["delete", "--force", "pid-b"]).code).toBe(0);
    expect(bunker(root, ["delete", "--force", "pid-a"]).code).toBe(0);
  });

  test("a namespace path of another type, or of no namespace at all, is refused at create", () => {
    const withNs = (extra: { type: string; path: string }) =>
      makeBundle(["true"], (c) => {
        c.linux.namespaces = [...c.linux.namespaces.filter((n) => n.type !== extra.type), extra as (typeof c.linux.namespaces)[number]];
        return extra.type === "user" ? { ...c, linux: { ...c.linux, uidMappings: [{ containerID: 0, hostID: 0, size: 1 }], gidMappings: [{ containerID: 0, hostID: 0, size: 1 }] } } : c;
      });
    // Once silently ignored: the container stayed in the host's user namespace.
    const userAsUts = bunker(root, ["run", "--bundle", withNs({ type: "user", path: "/proc/self/ns/uts" }), "ns-wrong-user"]);
    expect(userAsUts.code).toBe(1);
    expect(userAsUts.stderr).toBe("bunker: linux.namespaces: the 'user' namespace path '/proc/self/ns/uts' is a namespace of type 'uts'\n");
    const netAsIpc = bunker(root, ["run", "--bundle", withNs({ type: "network", path: "/proc/self/ns/ipc" }), "ns-wrong-net"]);
    expect(netAsIpc.stderr).toBe("bunker: linux.namespaces: the 'network' namespace path '/proc/self/ns/ipc' is a namespace of type 'ipc'\n");
    const notNs = bunker(root, ["run", "--bundle", withNs({ type: "network", path: "/etc/hostname" }), "ns-no-ns"]);
    expect(notNs.stderr).toBe("bunker: linux.namespaces: the 'network' namespace path '/etc/hostname' is not a namespace file (ioctl NS_GET_NSTYPE: ENOTTY)\n");
    const missing = bunker(root, ["run", "--bundle", withNs({ type: "network", path: "/proc/nonexistent/ns/net" }), "ns-missing"]);
    expect(missing.stderr).toBe("bunker: linux.namespaces: opening the 'network' namespace path: open '/proc/nonexistent/ns/net': ENOENT\n");
    for (const id of ["ns-wrong-user", "ns-wrong-net", "ns-no-ns", "ns-missing"]) expect(bunker(root, ["state", id]).code).toBe(1);
  });

  test("the program is PID 1 of its PID namespace and sees the configured hostname", () => {
    const bundle = makeBundle(["sh", "-c", "echo $$ $(hostname)"]);
    const r = bunker(root, ["run", "--bundle", bundle, "pid1"]);
    expect(r.stderr).toBe("");
    expect(r.stdout.trim()).toBe("1 bunker");
    expect(r.code).toBe(0);
  });

  test("a time namespace applies its offsets", () => {
    const bundle = makeBundle(["cat", "/proc/uptime"], (c) => ({
      ...c,
      linux: { ...c.linux, namespaces: [...c.linux.namespaces, { type: "time" }], timeOffsets: { boottime: { secs: 86400 * 365, nanosecs: 0 } } },
    }));
    const r = bunker(root, ["run", "--bundle", bundle, "time1"]);
    expect(r.stderr).toBe("");
    expect(Number(r.stdout.split(" ")[0])).toBeGreaterThan(86400 * 365);
  });
});
