import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeBundle } from "../support/bundle.ts";
import { bunker, newRoot, skipReason } from "../support/cli.ts";

const skip = skipReason();
if (skip) console.log(`SKIP hooks: ${skip}`);

/** A hook that appends "<name> <its stdin>" to `log`. */
const dumpHook = (name: string, log: string) => ({ path: "/bin/sh", args: ["sh", "-c", `read -r s; echo "${name} $s" >> ${log}`] });

describe.skipIf(!!skip)("hooks", () => {
  const root = newRoot();
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  test("run in OCI order, each with the state the spec gives its step on stdin", () => {
    const bundle = makeBundle(["true"]);
    const log = join(bundle, "hooks.log");
    const inside = join(bundle, "rootfs/hooks.log");
    const config = JSON.parse(readFileSync(join(bundle, "config.json"), "utf8"));
    config.root.readonly = false;
    config.hooks = {
      prestart: [dumpHook("prestart", log)],
      createRuntime: [dumpHook("createRuntime", log)],
      // Runs in the container's mount namespace before pivot_root, its path resolved in the runtime's (runc, crun).
      createContainer: [dumpHook("createContainer", log)],
      // Runs in the container after pivot_root: the container's /hooks.log.
      startContainer: [dumpHook("startContainer", "/hooks.log")],
      poststart: [dumpHook("poststart", log)],
      poststop: [dumpHook("poststop", log)],
    };
    writeFileSync(join(bundle, "config.json"), JSON.stringify(config));
    expect(bunker(root, ["create", "--bundle", bundle, "hooked"]).stderr).toBe("");
    const pid = JSON.parse(bunker(root, ["state", "hooked"]).stdout).pid;
    expect(bunker(root, ["start", "hooked"]).stderr).toBe("");
    expect(bunker(root, ["delete", "--force", "hooked"]).stderr).toBe("");
    const lines = [...readFileSync(log, "utf8").trim().split("\n"), ...readFileSync(inside, "utf8").trim().split("\n")];
    const states = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(" ")), JSON.parse(l.slice(l.indexOf(" ") + 1))]));
    expect(readFileSync(log, "utf8").trim().split("\n").map((l) => l.split(" ")[0])).toEqual(["prestart", "createRuntime", "createContainer", "poststart", "poststop"]);
    // The spec's states: create has finished its environment when these run (crun says "created"; runc "creating").
    for (const kind of ["prestart", "createRuntime", "createContainer"]) expect(states[kind]).toMatchObject({ id: "hooked", status: "created", pid, bundle });
    // Not yet the user's program (runc: "created"; crun: a "starting" the spec does not know).
    expect(states.startContainer).toMatchObject({ status: "created", pid });
    // The program runs (crun: "running"; runc still says "created").
    expect(states.poststart).toMatchObject({ status: "running", pid });
    expect(states.poststop).toMatchObject({ status: "stopped" });
    rmSync(bundle, { recursive: true, force: true });
  });

  test("a failing poststart or poststop hook is warned about and the rest of its list still runs", () => {
    const bundle = makeBundle(["sleep", "1000"]);
    const failing = (kind: string) => ({ path: "/bin/sh", args: ["sh", "-c", `echo ${kind} says no >&2; exit 3`] });
    const marker = (kind: string) => ({ path: "/bin/sh", args: ["sh", "-c", `touch ${join(bundle, `${kind}-ran`)}`] });
    const config = JSON.parse(readFileSync(join(bundle, "config.json"), "utf8"));
    config.hooks = { poststart: [failing("poststart"), marker("poststart")], poststop: [failing("poststop"), marker("poststop")] };
    writeFileSync(join(bundle, "config.json"), JSON.stringify(config));
    const started = bunker(root, ["run", "-d", "--bundle", bundle, "warned"]);
    expect(started.code).toBe(0);
    expect(started.stderr).toBe("bunker: warning: poststart hook '/bin/sh' failed: exit status 3: poststart says no\n");
    expect(existsSync(join(bundle, "poststart-ran"))).toBe(true);
    expect(JSON.parse(bunker(root, ["state", "warned"]).stdout).status).toBe("running");
    const deleted = bunker(root, ["delete", "--force", "warned"]);
    expect(deleted.code).toBe(0);
    expect(deleted.stderr).toBe("bunker: warning: poststop hook '/bin/sh' failed: exit status 3: poststop says no\n");
    expect(existsSync(join(bundle, "poststop-ran"))).toBe(true);
    rmSync(bundle, { recursive: true, force: true });
  });
});
