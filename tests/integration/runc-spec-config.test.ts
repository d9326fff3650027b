// The config `runc spec` writes runs unchanged, and ambient capabilities are raised as runc and crun raise them.
import { afterAll, describe, expect, test } from "bun:test";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeBundle, makeRootfs } from "../support/bundle.ts";
import { bunker, newRoot, skipReason } from "../support/cli.ts";

const skip = skipReason();
if (skip) console.log(`SKIP runc-spec-config: ${skip}`);

const FIXTURE = join(import.meta.dir, "../fixtures/configs/runc-spec.json");
const capField = (out: string, f: string): string => out.match(new RegExp(`^${f}:\\s+([0-9a-f]+)`, "m"))?.[1] ?? "";

describe.skipIf(!!skip)("runc spec's config and ambient capabilities", () => {
  const root = newRoot();
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    rmSync(root, { recursive: true, force: true });
  });

  test("runs unchanged (its ambient set without an inheritable set made every run fail)", () => {
    const bundle = mkdtempSync(join(tmpdir(), "bunker-runc-spec-"));
    dirs.push(bundle);
    makeRootfs(join(bundle, "rootfs"));
    copyFileSync(FIXTURE, join(bundle, "config.json"));
    // Its process is `sh` on a terminal: bunker holds the pty in the foreground and feeds it this input.
    const r = bunker(root, ["run", "runc-spec"], { cwd: bundle, stdin: "grep Cap /proc/self/status; exit 7\n" });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(7);
    // CAP_AUDIT_WRITE, CAP_KILL, CAP_NET_BIND_SERVICE; not ambient, as with runc: they are not inheritable.
    expect(capField(r.stdout, "CapEff")).toBe("0000000020000420");
    expect(capField(r.stdout, "CapAmb")).toBe("0000000000000000");
  });

  test("a non-root user gets an ambient capability that is permitted and inheritable", () => {
    const caps = ["CAP_NET_BIND_SERVICE"];
    const bundle = makeBundle(["grep", "Cap", "/proc/self/status"], (c) => ({
      ...c,
      process: {
        ...c.process,
        user: { uid: 1000, gid: 1000 },
        capabilities: { bounding: caps, effective: caps, permitted: caps, inheritable: caps, ambient: caps },
      },
    }));
    dirs.push(bundle);
    const r = bunker(root, ["run", "--bundle", bundle, "ambient"]);
    expect(r.stderr).toBe("");
    expect(capField(r.stdout, "CapAmb")).toBe("0000000000000400");
    // An ambient capability survives execve for a non-root user: it is permitted and effective too.
    expect(capField(r.stdout, "CapEff")).toBe("0000000000000400");
  });

  test("an ambient capability outside the bounding and inheritable sets is skipped, as runc and crun skip it", () => {
    const bundle = makeBundle(["grep", "Cap", "/proc/self/status"], (c) => ({
      ...c,
      process: {
        ...c.process,
        user: { uid: 1000, gid: 1000 },
        capabilities: { ...c.process.capabilities, inheritable: ["CAP_KILL"], ambient: ["CAP_SYS_ADMIN", "CAP_KILL"] },
      },
    }));
    dirs.push(bundle);
    const r = bunker(root, ["run", "--bundle", bundle, "skipped"]);
    expect(r.stderr).toBe("");
    expect(capField(r.stdout, "CapAmb")).toBe("0000000000000020");
  });
});
