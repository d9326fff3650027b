// What CRIU needs of a container's processes (issue 15, points 2 and 3): the init leads its own session, and a
// detached container's stdio is its own /dev/null rather than the caller's fds, which live outside its mounts.
import { afterAll, describe, expect, test } from "bun:test";
import { rmSync, statSync } from "node:fs";
import { makeBundle } from "../support/bundle.ts";
import { bunker, newRoot, skipReason } from "../support/cli.ts";

const skip = skipReason();
if (skip) console.log(`SKIP criu-prerequisites: ${skip}`);

/** "pid session" of the shell itself, as the container sees them (fields 1 and 6 of /proc/self/stat). */
const SESSION = "read -r pid comm state ppid pgrp session rest < /proc/self/stat; echo $pid $session";

describe.skipIf(!!skip)("a container's process, as CRIU needs it", () => {
  const root = newRoot();
  const bundles: string[] = [];
  const bundle = (args: string[]): string => {
    const b = makeBundle(args);
    bundles.push(b);
    return b;
  };
  afterAll(() => {
    for (const b of bundles) rmSync(b, { recursive: true, force: true });
    rmSync(root, { recursive: true, force: true });
  });

  test("the init leads a session of its own, without a terminal too", () => {
    const r = bunker(root, ["run", "--bundle", bundle(["sh", "-c", SESSION]), "session"]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("1 1\n");
  });

  test("an exec'd process leads a session of its own", () => {
    expect(bunker(root, ["run", "-d", "--bundle", bundle(["sleep", "100"]), "session-exec"]).code).toBe(0);
    const r = bunker(root, ["exec", "session-exec", "sh", "-c", SESSION]);
    expect(bunker(root, ["delete", "--force", "session-exec"]).code).toBe(0);
    const [pid, session] = r.stdout.trim().split(" ");
    expect(session).toBe(pid);
  });

  test("a detached run without a terminal has the container's own /dev/null on 0, 1 and 2", () => {
    expect(bunker(root, ["run", "-d", "--bundle", bundle(["sleep", "100"]), "null-stdio"]).code).toBe(0);
    const pid = JSON.parse(bunker(root, ["state", "null-stdio"]).stdout).pid;
    const own = statSync(`/proc/${pid}/root/dev/null`);
    const fds = [0, 1, 2].map((fd) => statSync(`/proc/${pid}/fd/${fd}`));
    expect(bunker(root, ["delete", "--force", "null-stdio"]).code).toBe(0);
    for (const st of fds) expect([st.dev, st.ino]).toEqual([own.dev, own.ino]);
  });
});
