// A container attacks the setup stages that enter it (issue 9, items 1 and 2): it holds /proc/<stage>/exe and
// writes through it once no bunker runs the executable (runc's CVE-2019-5736), and it reads /proc/<stage>/mountinfo
// and /proc/<stage>/root while the stage is set up. The attacker is busybox sh with the default capabilities of
// `bunker spec` (plus CAP_SYS_PTRACE for /proc/<pid>/root, which needs it).
import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, closeSync, constants, copyFileSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { makeBundle, type TestConfig } from "../support/bundle.ts";
import { BIN, bunker, newRoot, skipReason } from "../support/cli.ts";

const skip = skipReason();
if (skip) console.log(`SKIP stage-exposure: ${skip}`);

/** Each test below runs tens of execs or containers, one after the other. */
const LOOP_TIMEOUT_MS = 240_000;

const sha256 = (path: string): string => new Bun.CryptoHasher("sha256").update(readFileSync(path)).digest("hex");

/** Holds the first process whose executable is larger than busybox (a bunker stage) open on a sleeping child's
 * stdin; once /state/stop appears, writes a shell script through that fd. */
const HOLD_EXE = `
self=$$
while [ ! -e /state/stop ] && [ ! -e /state/held ]; do
  for d in /proc/[0-9]*; do
    p=\${d#/proc/}
    case $p in 1|$self) continue;; esac
    [ -r $d/exe ] || continue
    sleep 3600 < $d/exe 2>/dev/null &
    h=$!
    s=$(stat -L -c %s /proc/$h/fd/0 2>/dev/null)
    if [ "\${s:-0}" -gt 20000000 ]; then echo $h > /state/held; break; fi
    kill $h 2>/dev/null
  done
done
while [ ! -e /state/stop ]; do sleep 0.05; done
h=$(cat /state/held 2>/dev/null)
if [ -z "$h" ]; then echo "saw no stage" > /state/result; exit 0; fi
for i in 1 2 3 4 5 6 7 8 9 10; do
  if printf '#!/bin/sh\\necho pwned\\n' > /proc/$h/fd/0 2>/state/write-error; then echo overwritten > /state/result; exit 0; fi
  sleep 0.2
done
echo "refused: $(cat /state/write-error)" > /state/result
`;

/** Looks at every other process's mountinfo and root for what only the host has: a cgroup mount point and the
 * bundle's config.json (at its host path). */
const WATCH_HOST = (bundle: string) => `
self=$$
while [ ! -e /state/stop ]; do
  for d in /proc/[0-9]*; do
    p=\${d#/proc/}
    case $p in 1|$self) continue;; esac
    if grep -q ' /sys/fs/cgroup ' $d/mountinfo 2>/dev/null; then echo "mountinfo of $p" >> /state/seen; fi
    if [ -e $d/root${bundle}/config.json ]; then echo "root of $p" >> /state/seen; fi
  done
done
echo done > /state/result
`;

const withState = (state: string, caps: string[] = []) => (c: TestConfig) => ({
  ...c,
  mounts: [...c.mounts, { destination: "/state", type: "bind", source: state, options: ["rbind", "rw"] }],
  process: {
    ...c.process,
    capabilities: Object.fromEntries(Object.entries(c.process.capabilities).map(([k, v]) => [k, [...v, ...caps]])),
  },
});

/** Waits (bounded) for the container to write /state/result; returns it. */
const resultOf = async (state: string): Promise<string> => {
  writeFileSync(join(state, "stop"), "");
  for (let i = 0; i < 200 && !existsSync(join(state, "result")); i++) await Bun.sleep(50);
  return existsSync(join(state, "result")) ? readFileSync(join(state, "result"), "utf8").trim() : "no result";
};

describe.skipIf(!!skip)("a container attacking the stages that enter it", () => {
  const root = newRoot();
  const dirs: string[] = [];
  const tmp = (prefix: string): string => {
    const d = mkdtempSync(join(tmpdir(), prefix));
    chmodSync(d, 0o755);
    dirs.push(d);
    return d;
  };
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    rmSync(root, { recursive: true, force: true });
  });

  /** A copy of the executable under test, so that a successful attack harms nothing but the copy. */
  const copyOfBunker = (): { bin: string; hash: string } => {
    const bin = join(tmp("bunker-exe-"), "bunker");
    copyFileSync(BIN, bin);
    chmodSync(bin, 0o755);
    return { bin, hash: sha256(bin) };
  };

  const victim = (id: string, script: string, state: string, bin: string, caps: string[] = []): number => {
    const bundle = makeBundle(["sh", "-c", script], withState(state, caps), tmp("bunker-bundle-"));
    const r = bunker(root, ["run", "-d", "--bundle", bundle, id], { bin });
    expect(r.stderr).toBe("");
    return JSON.parse(bunker(root, ["state", id]).stdout).pid;
  };

  /** Containers that join `pid`'s PID namespace, started one after the other with `bin`. */
  const runJoining = (pid: number, bin: string, n: number, until: () => boolean): void => {
    const bundle = makeBundle(["true"], (c) => ({
      ...c,
      linux: { ...c.linux, namespaces: c.linux.namespaces.map((ns) => (ns.type === "pid" ? { type: "pid", path: `/proc/${pid}/ns/pid` } : ns)) },
    }), tmp("bunker-bundle-"));
    for (let i = 0; i < n && !until(); i++) expect(bunker(root, ["run", "--bundle", bundle, `joiner-${process.pid}-${i}`], { bin }).stderr).toBe("");
  };

  test("a stage runs from a read-only mount of the executable that no mount table shows", () => {
    const bundle = makeBundle(["true"], (c) => c, tmp("bunker-bundle-"));
    expect(bunker(root, ["create", "--bundle", bundle, "ro-exe"]).stderr).toBe("");
    const pid = JSON.parse(bunker(root, ["state", "ro-exe"]).stdout).pid;
    let code = "";
    try {
      // O_TRUNC: the mount is checked before the file's writers, which a running executable refuses (ETXTBSY).
      closeSync(openSync(`/proc/${pid}/exe`, constants.O_WRONLY | constants.O_TRUNC));
    } catch (err) {
      code = (err as NodeJS.ErrnoException).code ?? "";
    }
    const shown = [readFileSync("/proc/self/mountinfo", "utf8"), readFileSync(`/proc/${pid}/mountinfo`, "utf8")].some((t) => t.includes(basename(BIN)));
    expect(bunker(root, ["delete", "--force", "ro-exe"]).code).toBe(0);
    expect(code).toBe("EROFS");
    expect(shown).toBe(false);
  });

  test("holding /proc/<pid>/exe of an exec stage never lets it overwrite the host executable", async () => {
    const { bin, hash } = copyOfBunker();
    const state = tmp("bunker-attack-");
    victim("exe-exec", HOLD_EXE, state, bin);
    for (let i = 0; i < 60 && !existsSync(join(state, "held")); i++) expect(bunker(root, ["exec", "exe-exec", "true"], { bin }).code).toBe(0);
    const result = await resultOf(state);
    expect(bunker(root, ["delete", "--force", "exe-exec"]).code).toBe(0);
    expect(result).not.toBe("overwritten");
    expect(sha256(bin)).toBe(hash);
  }, LOOP_TIMEOUT_MS);

  test("holding /proc/<pid>/exe of a stage that joins its PID namespace never lets it overwrite the host executable", async () => {
    const { bin, hash } = copyOfBunker();
    const state = tmp("bunker-attack-");
    const pid = victim("exe-join", HOLD_EXE, state, bin);
    runJoining(pid, bin, 40, () => existsSync(join(state, "held")));
    const result = await resultOf(state);
    expect(bunker(root, ["delete", "--force", "exe-join"]).code).toBe(0);
    expect(result).not.toBe("overwritten");
    expect(sha256(bin)).toBe(hash);
  }, LOOP_TIMEOUT_MS);

  test("while execs are set up, no process the container sees shows the host's mounts or root", async () => {
    const state = tmp("bunker-attack-");
    const bundle = tmp("bunker-bundle-");
    makeBundle(["sh", "-c", WATCH_HOST(bundle)], withState(state, ["CAP_SYS_PTRACE"]), bundle);
    expect(bunker(root, ["run", "-d", "--bundle", bundle, "watch-exec"]).stderr).toBe("");
    for (let i = 0; i < 40; i++) expect(bunker(root, ["exec", "watch-exec", "true"]).code).toBe(0);
    const result = await resultOf(state);
    expect(bunker(root, ["delete", "--force", "watch-exec"]).code).toBe(0);
    expect(result).toBe("done");
    expect(existsSync(join(state, "seen")) ? readFileSync(join(state, "seen"), "utf8") : "").toBe("");
  }, LOOP_TIMEOUT_MS);

  test("while containers joining its PID namespace are set up, no process it sees shows the host's mounts or root", async () => {
    const state = tmp("bunker-attack-");
    const bundle = tmp("bunker-bundle-");
    makeBundle(["sh", "-c", WATCH_HOST(bundle)], withState(state, ["CAP_SYS_PTRACE"]), bundle);
    expect(bunker(root, ["run", "-d", "--bundle", bundle, "watch-join"]).stderr).toBe("");
    const pid = JSON.parse(bunker(root, ["state", "watch-join"]).stdout).pid;
    runJoining(pid, BIN, 20, () => false);
    const result = await resultOf(state);
    expect(bunker(root, ["delete", "--force", "watch-join"]).code).toBe(0);
    expect(result).toBe("done");
    expect(existsSync(join(state, "seen")) ? readFileSync(join(state, "seen"), "utf8") : "").toBe("");
  }, LOOP_TIMEOUT_MS);
});
