// Failures that used to be silent (issue 9 "Failures that are silent today", issue 10 "a missing program"): what can
// be checked at create fails create; what fails after start reaches the caller of start or run as one line, exit 1,
// and leaves the container stopped with the reason in its state.
import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, copyFileSync, existsSync, rmSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { BUSYBOX, makeBundle } from "../support/bundle.ts";
import { bunker, newRoot, skipReason } from "../support/cli.ts";

const skip = skipReason();
if (skip) console.log(`SKIP silent-failures: ${skip}`);

const oneLine = (stderr: string): void => {
  expect(stderr).toMatch(/^bunker: /);
  expect(stderr.trim().split("\n")).toHaveLength(1);
};

describe.skipIf(!!skip)("a failure that used to be silent", () => {
  const root = newRoot();
  const bundles: string[] = [];
  const bundle = (...a: Parameters<typeof makeBundle>): string => {
    const b = makeBundle(...a);
    bundles.push(b);
    return b;
  };
  afterAll(() => {
    for (const b of bundles) rmSync(b, { recursive: true, force: true });
    rmSync(root, { recursive: true, force: true });
  });

  test("create fails for a program the container's user may not execute, and leaves nothing", () => {
    const b = bundle(["/bin/secret"], (c) => ({ ...c, process: { ...c.process, user: { uid: 1000, gid: 1000 } } }));
    copyFileSync(BUSYBOX, join(b, "rootfs/bin/secret"));
    chmodSync(join(b, "rootfs/bin/secret"), 0o700);
    const r = bunker(root, ["create", "--bundle", b, "noexec"]);
    expect(r.code).toBe(1);
    oneLine(r.stderr);
    expect(r.stderr).toContain("'/bin/secret' is not a file that uid 1000 may execute");
    expect(existsSync(join(root, "noexec"))).toBe(false);
  });

  test("create fails for a missing program named by its path", () => {
    const r = bunker(root, ["create", "--bundle", bundle(["/bin/no-such-program"]), "nopath"]);
    expect(r.code).toBe(1);
    oneLine(r.stderr);
    expect(r.stderr).toContain("'/bin/no-such-program'");
    expect(existsSync(join(root, "nopath"))).toBe(false);
  });

  test("a missing cwd is created, as runc does", () => {
    const r = bunker(root, ["run", "--bundle", bundle(["sh", "-c", "pwd"], (c) => ({ ...c, process: { ...c.process, cwd: "/srv/app" } })), "mkcwd"]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("/srv/app\n");
  });

  test("a program gone by start fails start with one line, exit 1, and state says stopped and why", () => {
    const b = bundle(["/bin/vanishing"]);
    copyFileSync(BUSYBOX, join(b, "rootfs/bin/vanishing"));
    expect(bunker(root, ["create", "--bundle", b, "vanish"]).code).toBe(0);
    unlinkSync(join(b, "rootfs/bin/vanishing"));
    const r = bunker(root, ["start", "vanish"]);
    expect(r.code).toBe(1);
    oneLine(r.stderr);
    expect(r.stderr).toContain("execve '/bin/vanishing': ENOENT");
    const state = JSON.parse(bunker(root, ["state", "vanish"]).stdout);
    expect(state.status).toBe("stopped");
    expect(state.annotations["bunker.failure"]).toContain("execve '/bin/vanishing': ENOENT");
    expect(bunker(root, ["delete", "vanish"]).code).toBe(0);
  });

  test("a failing startContainer hook fails start, and run, with one line naming the hook", () => {
    const hooked = (c: ReturnType<typeof import("../support/bundle.ts").baseConfig>) => ({
      ...c,
      hooks: { startContainer: [{ path: "/bin/sh", args: ["sh", "-c", "echo nope >&2; exit 4"] }] },
    });
    const b = bundle(["true"], hooked);
    expect(bunker(root, ["create", "--bundle", b, "hook-start"]).code).toBe(0);
    const r = bunker(root, ["start", "hook-start"]);
    expect(r.code).toBe(1);
    oneLine(r.stderr);
    expect(r.stderr).toContain("startContainer hook '/bin/sh' failed: exit status 4: nope");
    expect(JSON.parse(bunker(root, ["state", "hook-start"]).stdout).status).toBe("stopped");
    expect(bunker(root, ["delete", "hook-start"]).code).toBe(0);
    const run = bunker(root, ["run", "--bundle", bundle(["true"], hooked), "hook-run"]);
    expect(run.code).toBe(1);
    oneLine(run.stderr);
    expect(run.stderr).toContain("startContainer hook '/bin/sh' failed: exit status 4: nope");
    expect(existsSync(join(root, "hook-run"))).toBe(false);
  });
});
