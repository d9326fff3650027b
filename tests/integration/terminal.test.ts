import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeBundle } from "../support/bundle.ts";
import { bunker, newRoot, skipReason } from "../support/cli.ts";
import { tempDirs } from "../support/temp.ts";

// Bundles and state roots of this file go when it is done.
tempDirs();

const skip = skipReason() ?? (Bun.which("python3") ? undefined : "python3 is needed for the --console-socket peer");
if (skip) console.log(`SKIP terminal: ${skip}`);

const withTerminal = (args: string[]) => makeBundle(args, (c) => ({ ...c, process: { ...c.process, terminal: true } }));

describe.skipIf(!!skip)("terminal", () => {
  const root = newRoot();
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  test("a foreground run joins the container's terminal to bunker's own stdio", () => {
    const r = bunker(root, ["run", "--bundle", withTerminal(["sh", "-c", "tty; readlink /proc/self/fd/1"]), "tty-fg"]);
    expect(r.stderr).toBe("");
    expect(r.stdout.replace(/\r/g, "")).toBe("/dev/pts/0\n/dev/pts/0\n");
  });

  test("--console-socket receives the pty master, as with runc", async () => {
    const dir = mkdtempSync(join(tmpdir(), "console-"));
    const sock = join(dir, "console.sock");
    const peer = Bun.spawn(["python3", join(import.meta.dir, "../support/console-receiver.py"), sock], { stdout: "pipe" });
    const reader = peer.stdout.getReader();
    let out = "";
    while (!out.includes("\n")) out += new TextDecoder().decode((await reader.read()).value);
    expect(out).toBe("listening\n");
    out = "";
    const r = bunker(root, ["run", "-d", "--console-socket", sock, "--bundle", withTerminal(["sh", "-c", "echo hello on $(tty)"]), "tty-sock"]);
    expect(r.stderr).toBe("");
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) out += new TextDecoder().decode(chunk.value);
    expect(out.replace(/\r/g, "")).toBe("name /dev/pts/0\nhello on /dev/pts/0\n");
    expect(bunker(root, ["delete", "tty-sock"]).code).toBe(0);
    rmSync(dir, { recursive: true });
  });

  test("exec -t: the spawned program has the container's pty as the controlling terminal of a session it leads", () => {
    expect(bunker(root, ["run", "-d", "--bundle", makeBundle(["sleep", "100"]), "tty-exec"]).stderr).toBe("");
    const script = "tty; read -r pid comm state ppid pgrp session rest < /proc/self/stat; [ $session = $pid ] && echo leader";
    const r = bunker(root, ["exec", "-t", "tty-exec", "sh", "-c", script]);
    expect(bunker(root, ["delete", "--force", "tty-exec"]).code).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout.replace(/\r/g, "")).toMatch(/^\/dev\/pts\/\d+\nleader\n$/);
  });

  test("a detached container with a terminal and no console socket is refused before anything is made", () => {
    const r = bunker(root, ["run", "-d", "--bundle", withTerminal(["true"]), "tty-none"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("bunker: process.terminal is true: give --console-socket, or run the container in the foreground\n");
    expect(bunker(root, ["state", "tty-none"]).stderr).toContain("does not exist");
  });
});
