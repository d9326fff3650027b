import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { makeBundle } from "../support/bundle.ts";
import { BIN, bunker, newRoot, skipReason } from "../support/cli.ts";
import { tempDirs } from "../support/temp.ts";

// Bundles and state roots of this file go when it is done.
tempDirs();

const skip = skipReason();
if (skip) console.log(`SKIP lifecycle: ${skip}`);

/** The container's cgroup directories on the host, from /proc/<pid>/cgroup (v1 controllers and the unified one). */
const cgroupDirs = (pid: number): string[] =>
  readFileSync(`/proc/${pid}/cgroup`, "utf8")
    .trim()
    .split("\n")
    .flatMap((l) => {
      const [, ctrl, path] = l.split(":") as [string, string, string];
      if (ctrl.startsWith("name=")) return [];
      if (ctrl === "") return existsSync("/sys/fs/cgroup/unified") ? [join("/sys/fs/cgroup/unified", path)] : [join("/sys/fs/cgroup", path)];
      return [join("/sys/fs/cgroup", ctrl.split(",")[0]!, path)];
    });

const state = (root: string, id: string) => JSON.parse(bunker(root, ["state", id]).stdout);

describe.skipIf(!!skip)("lifecycle", () => {
  const root = newRoot();
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  test("create, start, state, list, ps, kill and delete follow the OCI states", async () => {
    const bundle = makeBundle(["sleep", "1000"]);
    const pidFile = join(bundle, "pid");
    expect(bunker(root, ["create", "--bundle", bundle, "--pid-file", pidFile, "life"]).code).toBe(0);
    const created = state(root, "life");
    expect(created.status).toBe("created");
    expect(created.pid).toBe(Number(readFileSync(pidFile, "utf8")));
    expect(created.bundle).toBe(bundle);
    expect(bunker(root, ["start", "life"]).code).toBe(0);
    expect(state(root, "life").status).toBe("running");
    expect(bunker(root, ["start", "life"]).stderr).toContain("it is running");
    const list = JSON.parse(bunker(root, ["list", "--format", "json"]).stdout);
    expect(list.map((c: { id: string }) => c.id)).toContain("life");
    expect(JSON.parse(bunker(root, ["ps", "--format", "json", "life"]).stdout)).toEqual([created.pid]);
    expect(bunker(root, ["delete", "life"]).stderr).toContain("use --force");
    expect(bunker(root, ["kill", "life", "KILL"]).code).toBe(0);
    for (let i = 0; i < 100 && state(root, "life").status !== "stopped"; i++) await Bun.sleep(10);
    expect(state(root, "life").status).toBe("stopped");
    expect(bunker(root, ["delete", "life"]).code).toBe(0);
    expect(existsSync(join(root, "life"))).toBe(false);
  });

  test("exec runs a process in every namespace and the cgroup of a running container", () => {
    const bundle = makeBundle(["sleep", "1000"]);
    expect(bunker(root, ["run", "-d", "--bundle", bundle, "ex"]).code).toBe(0);
    const pid = state(root, "ex").pid;
    const r = bunker(root, ["exec", "ex", "sh", "-c", "echo $(hostname) $$; cat /proc/1/cmdline; echo; cat /proc/self/cgroup"]);
    expect(r.stderr).toBe("");
    const [first, cmd] = r.stdout.split("\n");
    expect(first).toMatch(/^bunker \d+$/);
    expect(first).not.toBe("bunker 1");
    expect(cmd).toBe("sleep\u00001000\u0000");
    const inner = r.stdout.split("\n").slice(2).filter(Boolean);
    expect(inner.length).toBeGreaterThan(0);
    const hostView = readFileSync(`/proc/${pid}/cgroup`, "utf8").trim().split("\n");
    expect(inner).toEqual(hostView);
    expect(bunker(root, ["exec", "ex", "sh", "-c", "exit 5"]).code).toBe(5);
    expect(bunker(root, ["exec", "ex", "no-such-prog"]).stderr).toContain("'no-such-prog'");
    expect(bunker(root, ["delete", "--force", "ex"]).code).toBe(0);
  });

  test("kill --all reaches every process of the container", async () => {
    const bundle = makeBundle(["sh", "-c", "sleep 1000 & sleep 1000 & wait"]);
    expect(bunker(root, ["run", "-d", "--bundle", bundle, "all"]).code).toBe(0);
    for (let i = 0; i < 50 && JSON.parse(bunker(root, ["ps", "--format", "json", "all"]).stdout).length < 3; i++) await Bun.sleep(10);
    const pids: number[] = JSON.parse(bunker(root, ["ps", "--format", "json", "all"]).stdout);
    expect(pids.length).toBe(3);
    expect(bunker(root, ["kill", "--all", "all", "KILL"]).code).toBe(0);
    for (let i = 0; i < 100 && pids.some((p) => existsSync(`/proc/${p}/cmdline`) && readFileSync(`/proc/${p}/cmdline`).length); i++) await Bun.sleep(10);
    expect(pids.filter((p) => existsSync(`/proc/${p}/cmdline`) && readFileSync(`/proc/${p}/cmdline`).length)).toEqual([]);
    expect(bunker(root, ["delete", "all"]).code).toBe(0);
  });

  test("delete --force of a running container leaves no process, cgroup or state", async () => {
    const bundle = makeBundle(["sh", "-c", "sleep 1000 & wait"]);
    expect(bunker(root, ["run", "-d", "--bundle", bundle, "force"]).code).toBe(0);
    const pid = state(root, "force").pid;
    const dirs = cgroupDirs(pid);
    expect(dirs.length).toBeGreaterThan(0);
    for (const d of dirs) expect(existsSync(d)).toBe(true);
    expect(bunker(root, ["delete", "--force", "force"]).code).toBe(0);
    for (const d of dirs) expect(existsSync(d)).toBe(false);
    expect(existsSync(`/proc/${pid}/cmdline`) && readFileSync(`/proc/${pid}/cmdline`).length > 0).toBe(false);
    expect(existsSync(join(root, "force"))).toBe(false);
  });

  test("delete --force of a container that does not exist succeeds quietly, as with runc and crun", () => {
    // containerd's shim deletes with --force after every container it already deleted.
    expect(bunker(root, ["delete", "--force", "never-was"])).toEqual({ code: 0, stdout: "", stderr: "" });
    expect(bunker(root, ["delete", "never-was"])).toEqual({ code: 1, stdout: "", stderr: "bunker: Container 'never-was' does not exist\n" });
    // An invalid ID is still an error.
    expect(bunker(root, ["delete", "--force", "../x"]).code).toBe(1);
  });

  test("a root bunker is given holds nothing but containers: `journal` is a container ID, runc list finds no stranger", () => {
    const own = newRoot();
    const bundle = makeBundle(["sleep", "1000"]);
    try {
      expect(bunker(own, ["run", "-d", "--bundle", bundle, "app"]).stderr).toBe("");
      expect(readdirSync(own)).toEqual(["app"]);
      if (Bun.which("runc")) {
        // runc cannot load bunker's containers and says so for each; nothing of bunker's own is among the entries.
        const list = Bun.spawnSync(["runc", "--root", own, "list", "--quiet"], { stdout: "pipe", stderr: "pipe" });
        expect(list.stderr.toString().trim().split("\n").map((l) => l.split(":")[0])).toEqual(["load container app"]);
      }
      expect(bunker(own, ["run", "-d", "--bundle", bundle, "journal"]).stderr).toBe("");
      expect(state(own, "journal").status).toBe("running");
      expect(readdirSync(join(own, "journal")).sort()).toEqual(readdirSync(join(own, "app")).sort());
      for (const id of ["app", "journal"]) expect(bunker(own, ["delete", "--force", id]).code).toBe(0);
      expect(readdirSync(own)).toEqual([]);
    } finally {
      rmSync(own, { recursive: true, force: true });
      rmSync(bundle, { recursive: true, force: true });
    }
  });

  test("50 concurrent create/start/delete of distinct containers all succeed", async () => {
    const bundle = makeBundle(["true"]);
    const concurrent = newRoot();
    const step = async (args: string[]): Promise<string> => {
      const p = Bun.spawn([BIN, "--root", concurrent, ...args], { stdout: "ignore", stderr: "pipe" });
      const code = await p.exited;
      return code === 0 ? "" : `${args.join(" ")}: exit ${code}: ${await new Response(p.stderr).text()}`;
    };
    const one = async (i: number): Promise<string> => {
      const id = `c${i}`;
      const failed = (await step(["create", "--bundle", bundle, id])) || (await step(["start", id]));
      if (failed) return failed;
      for (let t = 0; t < 300 && !bunker(concurrent, ["state", id]).stdout.includes('"stopped"'); t++) await Bun.sleep(10);
      return step(["delete", id]);
    };
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => one(i)));
    expect(results.filter(Boolean)).toEqual([]);
    expect(JSON.parse(bunker(concurrent, ["list", "--format", "json"]).stdout)).toEqual([]);
    rmSync(concurrent, { recursive: true, force: true });
  }, 120_000);
});

describe.skipIf(!!skip)("the state journal", () => {
  const root = newRoot();
  // Outside the root, named: a root given with --root has no journal of its own.
  const journal = newRoot();
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
    rmSync(journal, { recursive: true, force: true });
  });
  const withJournal = (args: string[]): string[] => ["--journal", journal, ...args];
  const journalState = async () => {
    const { openStateJournal } = await import("../../runtime/durable/journal.ts");
    const j = openStateJournal(journal);
    try {
      return j.state().containers;
    } finally {
      j.close();
    }
  };

  test("holds every lifecycle change and what should run", async () => {
    const bundle = makeBundle(["sleep", "1000"]);
    expect(bunker(root, withJournal(["create", "--bundle", bundle, "j1"])).code).toBe(0);
    expect((await journalState()).j1).toMatchObject({ status: "created", shouldRun: false, bundle });
    expect(bunker(root, withJournal(["start", "j1"])).code).toBe(0);
    expect((await journalState()).j1).toMatchObject({ status: "running", shouldRun: true, pid: state(root, "j1").pid });
    expect(bunker(root, withJournal(["update", "--pids-limit", "50", "j1"])).code).toBe(0);
    expect(JSON.parse((await journalState()).j1!.resources!).pids.limit).toBe(50);
    expect(bunker(root, withJournal(["delete", "--force", "j1"])).code).toBe(0);
    expect((await journalState()).j1).toBeUndefined();
  });

  test("gets a foreground run's exit status", async () => {
    expect(bunker(root, withJournal(["run", "--bundle", makeBundle(["sh", "-c", "exit 7"]), "j2"])).code).toBe(7);
    // Deleted at the end of the run: the exit went in first, in the same write.
    const { openStateJournal } = await import("../../runtime/durable/journal.ts");
    const j = openStateJournal(journal);
    expect(j.recovery.replayed).toBeGreaterThanOrEqual(7);
    j.close();
    const inspect = Bun.spawnSync([BIN, "checkpoint", "inspect", "--json", join(journal, "journal")], { stdout: "pipe" });
    const values = JSON.parse(inspect.stdout.toString()).records.map((r: { value: { kind: string } }) => r.value);
    expect(values.filter((v: { kind: string }) => v.kind === "exited")).toEqual([{ kind: "exited", id: "j2", status: 7 }]);
  });
});
