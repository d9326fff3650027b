// The executable path of a fuzz case: the compiled bunker, as root, `create` + `delete` (or the mutated command line)
// under a temporary root, with each result checked as a user or an engine would: exit status 0/1/2, one line on
// stderr, no internal error, bounded time, nothing left behind.
//
// Mutants are made safe before they reach the real kernel, without taking away what is being tested: hooks run
// /bin/true (a mutated path could name any program), namespace paths to join and bind sources outside the sandbox
// are replaced by paths inside it, the rootfs and the cgroup stay below the sandbox and this run's cgroup parent, and
// every command runs in a network namespace of the sandbox's own (netDevices can only ever see its interfaces).
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, realpathSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, posix } from "node:path";
import { makeRootfs } from "../support/bundle.ts";
import { BIN } from "../support/cli.ts";
import { cgroupLayout, leftovers, unfinishedJournal, type CgroupLayout, type CaseTrace } from "./leftovers.ts";

export type ExecOutcome = "accepted" | "error" | "crash" | "hang" | "silent";

export interface ExecResult {
  outcome: ExecOutcome;
  /** The first stderr line, or what went wrong. */
  line: string;
  internal: boolean;
  leftovers: string[];
}

interface Run {
  code: number | null;
  signal: string | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
}

/** Commands that never end by design (daemon) or change the host (board swap): in-process only. */
export const NOT_THROUGH_EXECUTABLE = new Set(["daemon", "board"]);

const TIMEOUT_MS = 30_000;
const BATCH = 100;

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

export class Sandbox {
  readonly dir: string;
  readonly rootfs: string;
  private readonly netns: string;
  private readonly bindSource: string;
  private readonly bundle: string;
  private readonly cwd: string;
  private readonly bin = realpathSync(BIN);
  private readonly layout: CgroupLayout = cgroupLayout();
  private root = "";
  private batch = 0;
  private inBatch: string[] = [];
  private n = 0;
  /** IDs whose journal records never ended, found when a batch closes. */
  readonly journalLeftovers: string[] = [];

  constructor(readonly marker: string) {
    this.dir = mkdtempSync(join(tmpdir(), "bunker-fuzz-"));
    this.rootfs = join(this.dir, "rootfs");
    makeRootfs(this.rootfs);
    this.bindSource = join(this.dir, "bind-src");
    mkdirSync(this.bindSource);
    this.bundle = join(this.dir, "bundle");
    mkdirSync(this.bundle);
    this.cwd = join(this.dir, "cwd");
    this.netns = join(this.dir, "netns");
    writeFileSync(this.netns, "");
    const u = Bun.spawnSync(["unshare", `--net=${this.netns}`, "true"], { stderr: "pipe" });
    if (u.exitCode !== 0) throw new Error(`unshare --net=${this.netns}: ${u.stderr.toString()}`);
    this.newBatch();
  }

  /** The cgroup parent of this run: cgroupsPath of every mutant is kept below it. */
  get cgroupParent(): string {
    return `/${this.marker}`;
  }

  nextId(): string {
    return `${this.marker}-${++this.n}`;
  }

  private newBatch(): void {
    this.root = join(this.dir, `root-${++this.batch}`);
    this.inBatch = [];
  }

  private run(args: string[], cwd = this.dir): Run {
    const out = openSync(join(this.dir, "out"), "w+");
    const err = openSync(join(this.dir, "err"), "w+");
    try {
      const p = Bun.spawnSync(["nsenter", `--net=${this.netns}`, this.bin, "--root", this.root, ...args], {
        cwd,
        stdin: "ignore",
        stdout: out,
        stderr: err,
        timeout: TIMEOUT_MS,
        killSignal: "SIGKILL",
      });
      return {
        code: p.exitCode,
        signal: p.signalCode === undefined || p.signalCode === null ? null : String(p.signalCode),
        timedOut: p.exitedDueToTimeout === true,
        stdout: readFileSync(join(this.dir, "out"), "utf8"),
        stderr: readFileSync(join(this.dir, "err"), "utf8"),
      };
    } finally {
      closeSync(out);
      closeSync(err);
    }
  }

  /** The outcome of one command by its contract: exit 0/1/2, an error is one "bunker: " line (plus usage for 2). */
  private judge(r: Run): ExecResult {
    // --debug progress lines ("bunker[PID] +1.2ms ...") are what that flag asks for, not part of an error.
    const lines = r.stderr.trimEnd().split("\n").filter((l) => l !== "" && !/^bunker\[\d+\] \+[\d.]+ms /.test(l));
    const internal = r.stderr.includes("internal error");
    const first = lines[0] ?? "";
    const base = { line: first, internal, leftovers: [] };
    if (r.timedOut) return { ...base, outcome: "hang", line: `no answer within ${TIMEOUT_MS} ms` };
    if (r.code === null || ![0, 1, 2].includes(r.code)) return { ...base, outcome: "crash", line: `exit ${r.code ?? r.signal}: ${first}` };
    if (r.code === 0) return { ...base, outcome: "accepted" };
    if (lines.length === 0) return { ...base, outcome: "silent", line: `exit ${r.code} with nothing on stderr` };
    const extra = lines.slice(1).filter((l) => !(r.code === 2 && l.startsWith("usage: ")));
    if (!first.startsWith("bunker: ") || extra.length) return { ...base, outcome: "crash", line: `more than one line on stderr: ${JSON.stringify(lines.slice(0, 3))}` };
    return { ...base, outcome: "error" };
  }

  /** A mutant made safe to hand the real kernel (see the file comment); `undefined` when it is not a JSON object. */
  private neutralize(doc: unknown, id: string): { doc: unknown; cgroupsPath: unknown; outside: string[] } {
    const outside: string[] = [];
    if (!isObject(doc)) return { doc, cgroupsPath: undefined, outside };
    const c = structuredClone(doc) as Record<string, any>;
    const inside = (p: string): boolean => p === this.dir || p.startsWith(`${this.dir}/`);
    if (isObject(c.root) && typeof c.root.path === "string" && c.root.path !== "" && !inside(posix.resolve(this.bundle, c.root.path))) c.root.path = this.rootfs;
    if (isObject(c.process) && c.process.terminal === true) c.process.terminal = false;
    if (isObject(c.hooks))
      for (const list of Object.values(c.hooks)) if (Array.isArray(list)) for (const h of list) if (isObject(h) && typeof h.path === "string" && h.path.startsWith("/")) h.path = "/bin/true";
    const linux = isObject(c.linux) ? c.linux : undefined;
    if (Array.isArray(linux?.namespaces))
      linux.namespaces.forEach((n: unknown, i: number) => {
        if (isObject(n) && typeof n.path === "string") n.path = join(this.dir, `no-namespace-${i}`);
      });
    if (linux && typeof linux.cgroupsPath === "string") linux.cgroupsPath = posix.join(this.cgroupParent, linux.cgroupsPath.replace(/^\/+/, "") || id);
    const rootfs = isObject(c.root) && typeof c.root.path === "string" ? posix.resolve(this.bundle, c.root.path) : this.rootfs;
    if (Array.isArray(c.mounts))
      for (const m of c.mounts) {
        if (!isObject(m)) continue;
        const bind = m.type === "bind" || (Array.isArray(m.options) && m.options.some((o: unknown) => o === "bind" || o === "rbind"));
        if (bind && typeof m.source === "string" && !inside(posix.resolve(this.bundle, m.source))) m.source = this.bindSource;
        if (typeof m.destination === "string") outside.push(posix.join(rootfs, m.destination));
      }
    if (Array.isArray(linux?.devices)) for (const d of linux.devices) if (isObject(d) && typeof d.path === "string") outside.push(posix.join(rootfs, d.path));
    return { doc: c, cgroupsPath: linux?.cgroupsPath, outside: outside.filter((p) => !inside(p) && !existsSync(p)) };
  }

  private trace(id: string, cgroupsPath: unknown, outside: string[]): CaseTrace {
    const t: CaseTrace = { root: this.root, id, cgroupsPath, sandbox: this.dir, outside, ownMounts: [this.netns] };
    return { ...t, before: leftovers(t, this.layout, this.bin) };
  }

  /** Takes down whatever a failed check left, so the next case starts clean (what it found is already counted). */
  private scrub(id: string): void {
    this.run(["delete", "--force", id]);
  }

  private finish(result: ExecResult, t: CaseTrace): ExecResult {
    result.leftovers = leftovers(t, this.layout, this.bin);
    if (result.leftovers.length || result.outcome === "hang") this.scrub(t.id);
    this.inBatch.push(t.id);
    if (this.inBatch.length >= BATCH) this.closeBatch();
    return result;
  }

  /** Checks the journal of the batch's root (every created container deleted) and starts a new root. */
  closeBatch(): void {
    const journal = join(this.root, "journal", "journal");
    if (existsSync(journal)) {
      const r = this.run(["checkpoint", "inspect", "--json", journal]);
      if (r.code === 0) this.journalLeftovers.push(...unfinishedJournal(r.stdout).map((id) => `journal record of '${id}' without its end`));
      else this.journalLeftovers.push(`journal ${journal} unreadable: ${r.stderr.trim()}`);
    }
    rmSync(this.root, { recursive: true, force: true });
    this.newBatch();
  }

  /** "created" when the record is complete and its setup stage is alive, waiting for `start`. */
  private createdStatus(id: string): string {
    try {
      const rec = JSON.parse(readFileSync(join(this.root, id, "state.json"), "utf8")) as { creating?: boolean; pid?: number };
      if (rec.creating !== false) return "still creating";
      return existsSync(`/proc/${rec.pid}`) ? "created" : "without its process";
    } catch {
      return "without a state record";
    }
  }

  /** Mutated config.json text: `create`, then (if it worked) a look at its state and `delete`. */
  config(text: string): { result: ExecResult; text: string } {
    const id = this.nextId();
    let parsed: unknown;
    let safeText = text;
    let cgroupsPath: unknown;
    let outside: string[] = [];
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    try {
      if (parsed !== undefined) {
        const n = this.neutralize(parsed, id);
        cgroupsPath = n.cgroupsPath;
        outside = n.outside;
        if (JSON.stringify(n.doc) !== JSON.stringify(parsed)) safeText = JSON.stringify(n.doc);
      }
    } catch (err) {
      // Nested too deep for the engine to copy (a mutant 100,000 levels deep): bunker refuses such a text by its
      // depth before parsing it, so it goes as it is (were it accepted, the case would show it).
      if (!(err instanceof RangeError)) throw err;
    }
    rmSync(this.bundle, { recursive: true, force: true });
    mkdirSync(this.bundle);
    writeFileSync(join(this.bundle, "config.json"), safeText);
    const t = this.trace(id, cgroupsPath, outside);
    const created = this.judge(this.run(["create", "--bundle", this.bundle, id]));
    if (created.outcome !== "accepted") return { result: this.finish(created, t), text: safeText };
    // What `state` derives its answer from, read directly (a third command per case would cost a third more time).
    const status = this.createdStatus(id);
    const deleted = this.judge(this.run(["delete", "--force", id]));
    const extra = readdirSync(this.bundle).filter((f) => f !== "config.json");
    if (extra.length) created.leftovers.push(...extra.map((f) => `file ${join(this.bundle, f)}`));
    const result: ExecResult =
      status !== "created"
        ? { ...created, outcome: "silent", line: `create exited 0 but the container is ${status}` }
        : deleted.outcome !== "accepted"
          ? { ...deleted, outcome: deleted.outcome === "error" ? "crash" : deleted.outcome, line: `delete of a created container failed: ${deleted.line}` }
          : created;
    const done = this.finish(result, t);
    done.leftovers.push(...created.leftovers);
    return { result: done, text: safeText };
  }

  /** A container ID: `create` of a known-good bundle under that ID, then `delete`. */
  id(id: string, config: string): ExecResult {
    rmSync(this.bundle, { recursive: true, force: true });
    mkdirSync(this.bundle);
    writeFileSync(join(this.bundle, "config.json"), config);
    const t = this.trace(id, undefined, []);
    const created = this.judge(this.run(["create", "--bundle", this.bundle, id]));
    if (created.outcome !== "accepted") return this.finish(created, t);
    const deleted = this.judge(this.run(["delete", id]));
    return this.finish(deleted.outcome === "accepted" ? created : { ...deleted, outcome: "crash", line: `delete failed: ${deleted.line}` }, t);
  }

  /**
   * A mutated command line, run from a directory of its own. Values that name a place outside it (absolute paths,
   * '..') are moved inside, and the sandbox's --root comes first, so a mutated --root or --journal cannot write
   * elsewhere.
   */
  argv(argv: string[]): { result: ExecResult; argv: string[] } {
    rmSync(this.cwd, { recursive: true, force: true });
    mkdirSync(this.cwd);
    const safe = argv.map((a, i) => {
      const v = a.replace(/\0/g, "");
      const eq = v.indexOf("=");
      const [head, value] = v.startsWith("-") && eq > 0 ? [v.slice(0, eq + 1), v.slice(eq + 1)] : ["", v];
      return value.startsWith("/") || value.split("/").includes("..") ? `${head}${join(this.cwd, `p${i}`)}` : v;
    });
    const id = this.nextId();
    const t = this.trace(id, undefined, []);
    const r = this.judge(this.run(safe, this.cwd));
    // A container the line created in the sandbox's root (under a mutated name) is checked like a case's own; the
    // root's own state (journal, the daemon's event log) is not a container.
    const left = existsSync(this.root) ? readdirSync(this.root).filter((f) => existsSync(join(this.root, f, "state.json"))) : [];
    const result = this.finish(r, t);
    result.leftovers.push(...left.map((f) => `state directory ${join(this.root, f)}`));
    for (const f of left) this.scrub(f);
    return { result, argv: safe };
  }

  close(): void {
    this.closeBatch();
    Bun.spawnSync(["umount", this.netns]);
    rmSync(this.dir, { recursive: true, force: true });
    // The run's cgroup parent in every hierarchy, with the parents of nested cgroupsPaths that delete leaves (as runc
    // does); a cgroup directory goes by rmdir, deepest first, and only once empty.
    for (const m of this.layout.mounts) removeCgroupTree(posix.join(m.dir, this.cgroupParent));
  }
}

const removeCgroupTree = (dir: string): void => {
  if (!existsSync(dir)) return;
  for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) removeCgroupTree(join(dir, e.name));
  rmdirSync(dir);
};
