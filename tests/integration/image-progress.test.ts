// How a long image step shows its progress, by where its output goes: on a terminal a live line per item on stderr
// (bytes, rate, ETA, redrawn in place); with --json, progress events as JSON lines of the published schema; into a
// pipe or file, nothing but the result. The import reads an OCI layout tar from stdin, fed with a pause in the middle
// of its big layer, so that the step lasts long enough to be redrawn and to emit progress events.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { Value } from "@sinclair/typebox/value";
import { ProgressEventSchema } from "../../runtime/cli/progress.ts";
import { BIN, newRoot, skipReason } from "../support/cli.ts";
import { busyboxLayout, imageToolsMissing, tempDir, tool } from "../support/images.ts";

const skip = skipReason() ?? imageToolsMissing(["umoci"]) ?? (Bun.which("script") ? undefined : "needs script(1) from util-linux for a terminal");
if (skip) console.log(`SKIP image progress: ${skip}`);

const BIG_MIB = 48;

describe.skipIf(!!skip)("image progress", () => {
  let work: string;
  let root: string;
  let archive: string;
  let n = 0;
  /** A shell pipeline: the archive in two halves with a pause between them, into `image import -` of a new store. */
  const importCommand = (flags: string): string => {
    const half = Math.floor(statSync(archive).size / 2 ** 21);
    const feed = `{ dd if=${archive} bs=1M count=${half} status=none; sleep 1.2; dd if=${archive} bs=1M skip=${half} status=none; }`;
    return `${feed} | ${BIN} --root ${root} --journal none --images ${join(work, `store-${++n}`)} image import ${flags} --name example.com/progress:1 -`;
  };

  beforeAll(() => {
    work = tempDir();
    root = newRoot();
    const layout = busyboxLayout(work);
    const files = join(work, "files");
    mkdirSync(files);
    tool(["sh", "-c", `head -c ${BIG_MIB * 2 ** 20} /dev/urandom > ${join(files, "big")}`]);
    tool(["umoci", "insert", "--image", `${layout}:latest`, join(files, "big"), "/big"]);
    archive = join(work, "layout.tar");
    tool(["tar", "-C", layout, "-cf", archive, "."]);
  });
  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
    rmSync(root, { recursive: true, force: true });
  });

  test("on a terminal: a live line per layer on stderr with bytes, rate and ETA, redrawn in place", () => {
    // script(1) gives the pipeline a terminal as stdout and stderr; what the terminal received comes back on stdout.
    const p = Bun.spawnSync(["script", "-qfec", importCommand(""), "/dev/null"], { stdout: "pipe", stderr: "pipe", stdin: "ignore" });
    const screen = p.stdout.toString();
    expect(p.exitCode).toBe(0);
    const big = `${BIG_MIB}.0 MiB`;
    // While it runs: "import sha256:<12 hex>: 21.3 MiB / 48.0 MiB (18.2 MiB/s, 1s left)".
    const live = new RegExp(`import sha256:[0-9a-f]{12}: [\\d.]+ (KiB|MiB) / ${big} \\([\\d.]+ (B|KiB|MiB|GiB)/s, \\d+(m\\d+)?s left\\)`);
    expect(screen).toMatch(live);
    // Redrawn: the cursor goes back up over the active lines and clears them.
    expect(screen).toMatch(/\x1b\[\d+A\x1b\[J/);
    // Finished, the layer's line stays with its outcome; then the result.
    expect(screen).toMatch(new RegExp(`import sha256:[0-9a-f]{12}: ${big} / ${big} \\(done\\)`));
    expect(screen).toContain("example.com/progress:1 sha256:");
  });

  test("--json: begin, progress and end events of the published schema, then the result, on stdout", () => {
    const p = Bun.spawnSync(["sh", "-c", importCommand("--json")], { stdout: "pipe", stderr: "pipe", stdin: "ignore" });
    expect(p.exitCode).toBe(0);
    expect(p.stderr.toString()).toBe("");
    const lines = p.stdout.toString().trim().split("\n").map((l) => JSON.parse(l));
    for (const e of lines) expect(Value.Check(ProgressEventSchema, e)).toBe(true);
    // The big layer (gzip makes random bytes a little longer).
    const big = lines.find((e) => e.event === "begin" && e.total > BIG_MIB * 2 ** 20);
    expect(big).toBeDefined();
    const progress = lines.filter((e) => e.event === "progress" && e.id === big.id).map((e) => e.done);
    // The pause in the middle of the layer is longer than the half second between events.
    expect(progress.length).toBeGreaterThanOrEqual(1);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    for (const d of progress) expect(d).toBeLessThan(big.total);
    expect(lines.find((e) => e.event === "end" && e.id === big.id)).toMatchObject({ outcome: "done", done: big.total, total: big.total });
    // Each blob listed once (read from the stream into the store, not again when the image is named), and the
    // image's blobs counted as written into this new store.
    const begins = lines.filter((e) => e.event === "begin").map((e) => e.id);
    expect(new Set(begins).size).toBe(begins.length);
    const result = lines.at(-1);
    expect(result).toMatchObject({ event: "result", images: [{ names: ["example.com/progress:1"] }], reused: 0 });
    expect(result.written).toBeGreaterThan(0);
  });

  test("not a terminal: nothing but the result", () => {
    const p = Bun.spawnSync(["sh", "-c", importCommand("")], { stdout: "pipe", stderr: "pipe", stdin: "ignore" });
    expect(p.exitCode).toBe(0);
    expect(p.stderr.toString()).toBe("");
    const out = p.stdout.toString().trim().split("\n");
    expect(out).toHaveLength(2);
    expect(out[0]).toMatch(/^example\.com\/progress:1 sha256:[0-9a-f]{64} linux\/(amd64|arm64)$/);
    expect(out[1]).toMatch(/^[1-9]\d* blobs written, 0 already stored$/);
  });
});
