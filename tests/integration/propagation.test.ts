// linux.rootfsPropagation (issue 10): every value, on a host whose mounts are private (this VM) and on one whose
// mounts are shared (a systemd host, made with `unshare --propagation shared`), read from /proc/self/mountinfo
// inside the container and set beside runc's on the same bundle.
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeBundle } from "../support/bundle.ts";
import { BIN, newRoot, skipReason } from "../support/cli.ts";

const RUNC = "/usr/sbin/runc";
const VALUES = ["private", "rprivate", "shared", "rshared", "slave", "rslave", "unbindable", "runbindable"] as const;
type Value = (typeof VALUES)[number];

const skip = skipReason() ?? (existsSync("/usr/bin/unshare") ? undefined : "util-linux's unshare is missing");
if (skip) console.log(`SKIP propagation: ${skip}`);
if (!skip && !existsSync(RUNC)) console.log("propagation: runc is not installed (apt-get install runc): its column stays empty");

/** The optional fields (shared:N, master:N, unbindable) of "/" and of /proc, as the container sees them. */
const propagationOf = (mountinfo: string): { root: string; proc: string } => {
  const fields = (mp: string): string => {
    const line = mountinfo.split("\n").find((l) => l.split(" ")[4] === mp);
    if (!line) return "(none)";
    const f = line.split(" ");
    return f.slice(6, f.indexOf("-")).map((o) => o.replace(/:\d+$/, "")).join(",") || "private";
  };
  return { root: fields("/"), proc: fields("/proc") };
};

const run = (host: "private" | "shared", runtime: string[], bundle: string, id: string): { code: number; out: string; err: string } => {
  const p = Bun.spawnSync(["unshare", "--mount", "--propagation", host, ...runtime, "run", "--bundle", bundle, id], { stdout: "pipe", stderr: "pipe" });
  return { code: p.exitCode ?? -1, out: p.stdout.toString(), err: p.stderr.toString().trim() };
};

/** What bunker gives: the value on the container's root (and, for the r-forms, on what is below it). */
const EXPECTED: Record<"private" | "shared", Record<Value, { root: string; proc: string }>> = {
  private: {
    private: { root: "private", proc: "private" },
    rprivate: { root: "private", proc: "private" },
    shared: { root: "shared", proc: "private" },
    rshared: { root: "shared", proc: "shared" },
    // A slave of a private mount has no master: it is private.
    slave: { root: "private", proc: "private" },
    rslave: { root: "private", proc: "private" },
    unbindable: { root: "unbindable", proc: "private" },
    runbindable: { root: "unbindable", proc: "unbindable" },
  },
  shared: {
    private: { root: "private", proc: "private" },
    rprivate: { root: "private", proc: "private" },
    shared: { root: "shared", proc: "private" },
    rshared: { root: "shared", proc: "shared" },
    slave: { root: "master", proc: "private" },
    rslave: { root: "master", proc: "private" },
    unbindable: { root: "unbindable", proc: "private" },
    runbindable: { root: "unbindable", proc: "unbindable" },
  },
};

describe.skipIf(!!skip)("linux.rootfsPropagation", () => {
  const root = newRoot();
  const runcRoot = mkdtempSync(join(tmpdir(), "runc-state-"));
  const bundle = makeBundle(["cat", "/proc/self/mountinfo"]);
  const table: string[] = [];
  afterAll(() => {
    console.log(["host    value        bunker (/ ; /proc)            runc 1.1 (/ ; /proc)", ...table].join("\n"));
    for (const d of [root, runcRoot, bundle]) rmSync(d, { recursive: true, force: true });
  });

  for (const host of ["private", "shared"] as const) {
    test(`each value works and shows in /proc/self/mountinfo, on a host whose mounts are ${host}`, () => {
      const failures: string[] = [];
      VALUES.forEach((value, i) => {
        const config = JSON.parse(readFileSync(join(bundle, "config.json"), "utf8"));
        config.linux.rootfsPropagation = value;
        writeFileSync(join(bundle, "config.json"), JSON.stringify(config));
        const b = run(host, [BIN, "--root", root], bundle, `prop-${host}-${i}`);
        const got = b.code === 0 ? propagationOf(b.out) : { root: `failed: ${b.err}`, proc: "" };
        let peer = "not installed";
        if (existsSync(RUNC)) {
          const r = run(host, [RUNC, "--root", runcRoot], bundle, `prop-${host}-${i}`);
          const p = r.code === 0 ? propagationOf(r.out) : undefined;
          peer = p ? `${p.root} ; ${p.proc}` : `fails: ${r.err.replace(/.*: /, "").replace(/"$/, "")}`;
        }
        table.push(`${host.padEnd(8)}${value.padEnd(13)}${`${got.root} ; ${got.proc}`.padEnd(30)}${peer}`);
        if (JSON.stringify(got) !== JSON.stringify(EXPECTED[host][value])) failures.push(`${value}: ${JSON.stringify(got)}`);
      });
      expect(failures).toEqual([]);
    });
  }
});
