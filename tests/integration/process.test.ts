import { afterAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { makeBundle } from "../support/bundle.ts";
import { BIN, bunker, bunkerAsync, newRoot, skipReason } from "../support/cli.ts";
import { tempDirs } from "../support/temp.ts";

// Bundles and state roots of this file go when it is done.
tempDirs();

const skip = skipReason();
if (skip) console.log(`SKIP process: ${skip}`);

const statusField = (status: string, field: string): string => status.match(new RegExp(`^${field}:\\s+(.*)$`, "m"))?.[1] ?? "";

describe.skipIf(!!skip)("the container's process", () => {
  const root = newRoot();
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  test("gets exactly the configured capabilities, no_new_privs and rlimits", () => {
    const bundle = makeBundle(["sh", "-c", "cat /proc/self/status; grep 'open files' /proc/self/limits"]);
    const r = bunker(root, ["run", "--bundle", bundle, "caps"]);
    expect(r.stderr).toBe("");
    // CAP_KILL (5), CAP_NET_BIND_SERVICE (10), CAP_AUDIT_WRITE (29).
    for (const f of ["CapBnd", "CapEff", "CapPrm"]) expect(statusField(r.stdout, f)).toBe("0000000020000420");
    expect(statusField(r.stdout, "CapInh")).toBe("0000000000000000");
    expect(statusField(r.stdout, "NoNewPrivs")).toBe("1");
    expect(r.stdout).toMatch(/Max open files\s+1024\s+1024/);
  });

  test("runs as the configured user and groups with the configured umask and cwd", () => {
    const bundle = makeBundle(["sh", "-c", "id; umask; pwd"], (c) => ({
      ...c,
      process: { ...c.process, user: { uid: 1000, gid: 1000, additionalGids: [5, 7], umask: 0o027 }, cwd: "/tmp" },
    }));
    const r = bunker(root, ["run", "--bundle", bundle, "user"]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("uid=1000 gid=1000 groups=5,7\n0027\n/tmp\n");
  });

  test("sets oom_score_adj", () => {
    const bundle = makeBundle(["cat", "/proc/self/oom_score_adj"], (c) => ({ ...c, process: { ...c.process, oomScoreAdj: 500 } }));
    expect(bunker(root, ["run", "--bundle", bundle, "oom"]).stdout).toBe("500\n");
  });

  test("exits with the program's status, or 128 + the signal that killed it", async () => {
    expect(bunker(root, ["run", "--bundle", makeBundle(["sh", "-c", "exit 3"]), "exit3"]).code).toBe(3);
    const p = bunkerAsync(root, ["run", "--bundle", makeBundle(["sh", "-c", "echo ready; sleep 1000"]), "sig"]);
    expect(new TextDecoder().decode((await p.stdout.getReader().read()).value)).toBe("ready\n");
    expect(bunker(root, ["kill", "sig", "KILL"]).code).toBe(0);
    expect(await p.exited).toBe(137);
  });

  test("a foreground run forwards SIGTERM to the container", async () => {
    // PID 1 ignores signals it has no handler for: wait until the trap is set before signalling.
    const bundle = makeBundle(["sh", "-c", "trap 'exit 42' TERM; echo ready; while :; do sleep 0.05; done"]);
    const p = bunkerAsync(root, ["run", "--bundle", bundle, "fwd"]);
    const reader = p.stdout.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe("ready\n");
    p.kill("SIGTERM");
    expect(await p.exited).toBe(42);
  });

  test("a missing program fails create with the program's name, exit 1, and leaves no state", () => {
    const r = bunker(root, ["run", "--bundle", makeBundle(["no-such-prog"]), "missing"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("'no-such-prog'");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(bunker(root, ["state", "missing"]).stderr).toContain("Container 'missing' does not exist");
  });
});

describe.skipIf(!!skip)("a user namespace", () => {
  const root = newRoot();
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const userns = (c: ReturnType<typeof import("../support/bundle.ts").baseConfig>, uid = 0) => ({
    ...c,
    process: { ...c.process, user: { uid, gid: uid } },
    linux: {
      ...c.linux,
      namespaces: [...c.linux.namespaces, { type: "user" }],
      uidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }],
      gidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }],
    },
  });

  test("maps the container's users to the configured host range, with PID 1 and its own /proc", async () => {
    const bundle = makeBundle(["sh", "-c", "id; echo pid $$; cat /proc/self/uid_map; ls /proc | grep -c '^[0-9]'"], (c) => userns(c, 1000));
    const r = bunker(root, ["run", "--bundle", bundle, "uns"]);
    expect(r.stderr).toBe("");
    const [id, pid, map] = r.stdout.split("\n");
    expect(id).toBe("uid=1000 gid=1000");
    expect(pid).toBe("pid 1");
    expect(map!.trim().split(/\s+/)).toEqual(["0", "100000", "65536"]);
  });

  test("the host sees the container's process under the mapped uid", async () => {
    const bundle = makeBundle(["sleep", "1000"], (c) => userns(c, 1000));
    expect(bunker(root, ["run", "-d", "--bundle", bundle, "uns2"]).stderr).toBe("");
    const pid = JSON.parse(bunker(root, ["state", "uns2"]).stdout).pid;
    // `start` returns once the init is released; the exec itself follows a moment later.
    for (let i = 0; i < 100 && !(await Bun.file(`/proc/${pid}/cmdline`).text()).startsWith("sleep"); i++) await Bun.sleep(10);
    const status = await Bun.file(`/proc/${pid}/status`).text();
    expect(statusField(status, "Uid").split(/\s+/)[0]).toBe("101000");
    const exec = bunker(root, ["exec", "uns2", "id", "-u"]);
    expect(exec.stderr).toBe("");
    expect(exec.stdout).toBe("1000\n");
    expect(bunker(root, ["delete", "--force", "uns2"]).code).toBe(0);
  });
});

describe.skipIf(!!skip)("the limits view", () => {
  const root = newRoot();
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  test("shows the memory limit as MemTotal and the allowed CPUs, and follows update", async () => {
    const bundle = makeBundle(["sh", "-c", "echo ready; read -r go; head -1 /proc/meminfo; cat /sys/devices/system/cpu/online; nproc"], (c) => ({
      ...c,
      linux: { ...c.linux, resources: { memory: { limit: 64 * 2 ** 20 }, cpu: { cpus: "0" } } },
    }));
    const p = Bun.spawn([BIN, "--root", root, "run", "--bundle", bundle, "view"], { stdin: "pipe", stdout: "pipe", stderr: "pipe" });
    const reader = p.stdout.getReader();
    let out = "";
    while (!out.includes("ready\n")) out += new TextDecoder().decode((await reader.read()).value);
    expect(bunker(root, ["update", "--memory", "128m", "view"]).code).toBe(0);
    p.stdin.write("go\n");
    p.stdin.end();
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) out += new TextDecoder().decode(chunk.value);
    expect(await p.exited).toBe(0);
    expect(out.split("\n").slice(1, 4)).toEqual([expect.stringMatching(/^MemTotal:\s+131072 kB$/), "0", "1"]);
  });
});
