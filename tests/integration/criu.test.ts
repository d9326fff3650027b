// Process checkpoints through the compiled executable on this host, where CRIU cannot run (Debian's CRIU 3.17 fails
// `criu check` on kernel 6.18, and the cgroups are hybrid): every refusal is one clear line and leaves nothing behind:
// the container as it was, no file, no scratch directory, no state, no cgroup, no journal record. What works is
// proven on the emulated board (tests/board/criu.test.ts).
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { machine, tmpdir } from "node:os";
import { join } from "node:path";
import { writeCheckpoint } from "../../runtime/checkpoint/checkpoint-file.ts";
import type { ProcessImage } from "../../runtime/durable/checkpoint-records.ts";
import { baseConfig, makeBundle, makeRootfs } from "../support/bundle.ts";
import { bunker, newRoot, skipReason } from "../support/cli.ts";

const skip = skipReason();
if (skip) console.log(`SKIP criu: ${skip}`);

const status = (root: string, id: string): string => JSON.parse(bunker(root, ["state", id]).stdout || "{}").status ?? "gone";

describe.skipIf(!!skip)("process checkpoints where CRIU cannot run", () => {
  const dirs: string[] = [];
  const temp = (): string => {
    const d = mkdtempSync(join(tmpdir(), "bunker-criu-it-"));
    dirs.push(d);
    return d;
  };
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  test("checkpoint --process refuses in one line before freezing, and the container runs on", () => {
    const [root, store, journal] = [newRoot(), temp(), temp()];
    const bundle = makeBundle(["sleep", "1000"]);
    dirs.push(root, bundle);
    expect(bunker(root, ["run", "-d", "--bundle", bundle, "kept"]).code).toBe(0);
    const r = bunker(root, ["checkpoint", "--process", "--store", store, "--journal", journal, "kept"]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    // The first thing this host lacks: cgroup v2 (hybrid here), or CRIU itself on a v2 host with an old CRIU.
    expect(r.stderr).toMatch(/^bunker: Checkpoint the processes of 'kept': (bunker drives CRIU on cgroup v2 only|CRIU is not installed)|^bunker: criu dump exited/);
    expect(status(root, "kept")).toBe("running");
    expect(readdirSync(store)).toEqual([]);
    bunker(root, ["delete", "--force", "kept"]);
  });

  test("restore of a process checkpoint made elsewhere refuses before it touches the bundle, the root or the journal", () => {
    const [root, store, journal, work] = [newRoot(), temp(), temp(), temp()];
    dirs.push(root);
    mkdirSync(join(work, "rootfs"));
    makeRootfs(join(work, "rootfs"));
    mkdirSync(join(work, "images"));
    writeFileSync(join(work, "images/pstree.img"), "images of a process tree");
    const config = JSON.stringify({ ...baseConfig(["sleep", "1000"]), root: { path: "rootfs" }, linux: { namespaces: [{ type: "pid" }, { type: "mount" }, { type: "uts" }] } });
    const made = (arch: string): string => {
      const process: ProcessImage = { criu: "3.17.1", arch, kernel: "6.1.0-57-arm64", pid: 181, cgroup: "/ported", mounts: [], stdio: [{ fd: 0, kind: "inside" }] };
      const file = join(store, `ported-${arch}.bnkc`);
      writeCheckpoint({
        file, id: "ported", config, process, standalone: true,
        state: { id: "ported", bundle: join(work, "bundle"), status: "running", oomKilled: false, restarts: 0, shouldRun: true },
        trees: [{ name: "rootfs", dir: join(work, "rootfs") }, { name: "criu", dir: join(work, "images") }],
      });
      return file;
    };
    const target = join(work, "restored");
    for (const [arch, why] of [
      ["aarch64", `its processes ran on aarch64, this machine is ${machine()}`],
      [machine(), ""],
    ] as const) {
      const r = bunker(root, ["restore", "--file", made(arch), "--bundle", target, "--journal", journal, "ported"]);
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toStartWith(`bunker: Restore the processes of 'ported' from '${join(store, `ported-${arch}.bnkc`)}': ${why}`);
      expect(existsSync(target)).toBe(false);
      expect(existsSync(join(root, "ported"))).toBe(false);
      expect(readdirSync(store).filter((f) => !f.endsWith(".bnkc"))).toEqual([]);
    }
    // The command opens the journal (creating it here), and records nothing.
    expect(JSON.parse(bunker(root, ["checkpoint", "inspect", "--json", join(journal, "journal")]).stdout).records).toEqual([]);
  });

  test("board check says plainly why process checkpoints are missing here", () => {
    const r = bunker(newRoot(), ["board", "check", "--json"]);
    const item = (JSON.parse(r.stdout).items as { id: string; status: string; detail: string }[]).find((i) => i.id === "checkpoint.process")!;
    const check = Bun.spawnSync(["criu", "check"], { stdout: "pipe", stderr: "pipe" });
    if (check.exitCode === 0) expect(item.status).not.toBe("missing");
    else {
      expect(item.status).toBe("missing");
      if (/vdso/.test(check.stderr.toString())) expect(item.detail).toStartWith("criu check failed: the installed CRIU cannot read the vDSO of kernel ");
    }
  });
});
