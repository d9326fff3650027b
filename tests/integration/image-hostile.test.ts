// A hostile-image corpus made by the test: every image below tries to write outside its tree, to exhaust the disk,
// or to be taken for something it is not. Each must end in one clear line on stderr (or, where the attack is
// harmless by construction, run with its writes kept inside), with nothing written outside the store and the
// container's root, no partial blob left reachable, no bundle, layer directory or mount left behind.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { bunker, newRoot, skipReason } from "../support/cli.ts";
import { tempDir, tool } from "../support/images.ts";
import { bombLayer, busyboxLayer, gzipLayer, plainLayer, sha256, writeLayout, type LayerSpec, type LayoutEdits } from "../support/oci-layout.ts";
import { tarBytes } from "../support/tar-writer.ts";

const skip = skipReason();
if (skip) console.log(`SKIP hostile images: ${skip}`);

interface Case {
  name: string;
  layers: () => LayerSpec[] | Promise<LayerSpec[]>;
  edits?: LayoutEdits;
  /** Where it must fail, and how; "runs": it must run, its writes inside its own tree. */
  outcome: { fails: "import" | "run"; message: RegExp } | "runs";
  runArgs?: string[];
  tamper?: (layout: string) => void;
}

describe.skipIf(!!skip)("hostile images", () => {
  let work: string;
  let root: string;
  let host: string;
  const store = () => join(work, "store");
  const listing = (dir: string): string[] => readdirSync(dir, { recursive: true }).map(String).sort();
  let before: string[];

  beforeAll(() => {
    work = tempDir();
    root = newRoot();
    host = join(work, "host");
    mkdirSync(host);
    writeFileSync(join(host, "canary"), "untouched\n");
    before = listing(host);
  });
  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
    rmSync(root, { recursive: true, force: true });
  });

  const climb = "../".repeat(12);
  const cases = (): Case[] => [
    { name: "traversal", layers: () => [busyboxLayer(), gzipLayer([{ name: `${climb}${host.slice(1)}/pwned`, data: "x" }])], outcome: { fails: "run", message: /has an entry '(\.\.\/)+.*pwned' that climbs out with '\.\.': refused$/ } },
    { name: "traversal-inside", layers: () => [busyboxLayer(), gzipLayer([{ name: "etc/../../pwned", data: "x" }])], outcome: { fails: "run", message: /climbs out with '\.\.': refused$/ } },
    { name: "symlink-then-file", layers: () => [busyboxLayer(), gzipLayer([{ name: "escape", type: "symlink", linkname: host }, { name: "escape/pwned", data: "x" }])], outcome: "runs" },
    { name: "symlink-relative", layers: () => [busyboxLayer(), gzipLayer([{ name: "up", type: "symlink", linkname: `${climb}${host.slice(1)}` }, { name: "up/pwned", data: "x" }])], outcome: "runs" },
    { name: "symlink-in-lower", layers: () => [busyboxLayer(), gzipLayer([{ name: "lib", type: "symlink", linkname: host }]), gzipLayer([{ name: "lib/pwned", data: "x" }])], outcome: "runs" },
    { name: "hardlink-absolute", layers: () => [busyboxLayer(), gzipLayer([{ name: "x", type: "hardlink", linkname: join(host, "canary") }])], outcome: { fails: "run", message: /has a hard link 'x' to '.*canary', which (this layer does not hold|is not in the image)$/ } },
    { name: "hardlink-climbing", layers: () => [busyboxLayer(), gzipLayer([{ name: "x", type: "hardlink", linkname: `${climb}${host.slice(1)}/canary` }])], outcome: { fails: "run", message: /climbs out with '\.\.': refused$/ } },
    { name: "hardlink-through-symlink", layers: () => [busyboxLayer(), gzipLayer([{ name: "h", type: "symlink", linkname: host }, { name: "x", type: "hardlink", linkname: "h/canary" }])], outcome: { fails: "run", message: /has a hard link 'x' to 'h\/canary', which (this layer does not hold|is not in the image)$/ } },
    { name: "whiteout-dotdot", layers: () => [busyboxLayer(), gzipLayer([{ name: "etc/.wh..." }])], outcome: { fails: "run", message: /has a whiteout '\/etc\/\.wh\.\.\.' of '\.\.': refused$/ } },
    { name: "gzip-bomb", layers: async () => [busyboxLayer(), await bombLayer(join(work, "bomb.gz"), "gzip", 256 * 1024 * 1024)], runArgs: ["--max-layer-size", "32M"], outcome: { fails: "run", message: /expands to more than 32\.0 MiB, the bound for one layer \(a compression bomb, or raise --max-layer-size\)$/ } },
    { name: "zstd-bomb", layers: async () => [busyboxLayer(), await bombLayer(join(work, "bomb.zst"), "zstd", 256 * 1024 * 1024)], runArgs: ["--max-layer-size", "32M"], outcome: { fails: "run", message: /expands to more than 32\.0 MiB/ } },
    { name: "config-not-json", layers: () => [busyboxLayer()], edits: { configBytes: Buffer.from("{this is not json") }, outcome: { fails: "import", message: /The config of image 'localhost\/config-not-json:1' .* is not JSON: / } },
    { name: "digest-wrong-length", layers: () => [busyboxLayer()], edits: { manifest: (m) => ({ ...m, layers: [{ ...(m.layers as object[])[0], digest: "sha256:abc" }] }) }, outcome: { fails: "import", message: /digest of layer 1 .* 'sha256:abc' has 3 hex digits where sha256 has 64$/ } },
    { name: "no-platform", layers: () => [busyboxLayer()], edits: { index: true, platform: { os: "linux", architecture: "s390x" } }, outcome: { fails: "import", message: /has no image for linux\/(amd64|arm64); it offers linux\/s390x \(choose one with --platform\)$/ } },
    {
      name: "blob-tampered",
      // A layer of its own: one the store already holds would (rightly) not be read again.
      layers: () => [gzipLayer([{ name: "only-here", data: "tampered case" }])],
      tamper: (layout) => {
        const m = JSON.parse(readFileSync(join(layout, "index.json"), "utf8")).manifests[0].digest.slice(7);
        const layer = JSON.parse(readFileSync(join(layout, "blobs/sha256", m), "utf8")).layers[0].digest.slice(7);
        const p = join(layout, "blobs/sha256", layer);
        const b = readFileSync(p);
        b[100]! ^= 1;
        writeFileSync(p, b);
      },
      outcome: { fails: "import", message: /digest mismatch: expected sha256:[0-9a-f]{64}, got sha256:[0-9a-f]{64}; the partial blob was removed$/ },
    },
    {
      name: "bad-tar-checksum",
      layers: () => {
        const tar = tarBytes([{ name: "f", data: "x" }]);
        tar[10] = 0x41;
        return [busyboxLayer(), { blob: tar, mediaType: "application/vnd.oci.image.layer.v1.tar", diffId: sha256(tar) }];
      },
      outcome: { fails: "run", message: /has a tar header with a bad checksum at offset 0$/ },
    },
    { name: "truncated-layer", layers: () => [busyboxLayer(), plainLayer([{ name: "f", data: "x".repeat(2000), size: 9000 }])].map((l, i) => (i === 1 ? { ...l, blob: l.blob.subarray(0, 1536), diffId: sha256(l.blob.subarray(0, 1536)) } : l)), outcome: { fails: "run", message: /the data ends \d+ bytes early$/ } },
  ];

  const check = (c: Case) => async () => {
    const layout = writeLayout(join(work, "layouts", c.name), c.name, await c.layers(), c.edits);
    c.tamper?.(layout);
    const b = (args: string[], env?: Record<string, string>) => bunker(root, ["--journal", "none", "--images", store(), ...args], { env });
    const imported = b(["image", "import", layout, "--name", `localhost/${c.name}:1`]);
    const expectOneLine = (r: { code: number; stderr: string }, message: RegExp) => {
      expect(r.code).toBe(1);
      const lines = r.stderr.trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]!).toMatch(/^bunker: /);
      expect(lines[0]!).toMatch(message);
    };
    if (c.outcome !== "runs" && c.outcome.fails === "import") expectOneLine(imported, c.outcome.message);
    else {
      expect(imported.stderr).toBe("");
      for (const env of [{}, { BUNKER_TEST_NO_OVERLAY: "1" }] as Record<string, string>[]) {
        const r = b(["run", ...(c.runArgs ?? []), "--image", `localhost/${c.name}:1`, `${c.name}-c`], env);
        if (c.outcome === "runs") {
          expect(r.stderr).toBe(env.BUNKER_TEST_NO_OVERLAY ? `bunker: overlayfs is not available here: the root of '${c.name}-c' is a copy of the image\n` : "");
          expect(r.stdout).toBe("ran\n");
        } else expectOneLine({ ...r, stderr: r.stderr.replace(/^bunker: overlayfs is not available here.*\n/, "") }, c.outcome.message);
      }
    }
    // Nothing outside the store and the roots; nothing half-made inside the store.
    expect(listing(host)).toEqual(before);
    expect(readFileSync(join(host, "canary"), "utf8")).toBe("untouched\n");
    expect(statSync(join(host, "canary")).nlink).toBe(1);
    expect(readdirSync(join(store(), "containers"))).toEqual([]);
    expect(readdirSync(join(store(), "ingest"))).toEqual([]);
    expect(readdirSync(join(store(), "layers")).filter((n) => n.endsWith(".tmp"))).toEqual([]);
    expect(readFileSync("/proc/self/mountinfo", "utf8")).not.toContain(work);
    // No container state either, and verify finds every blob the index reaches whole.
    expect(readdirSync(root)).not.toContain(`${c.name}-c`);
    expect(b(["image", "verify"]).code).toBe(0);
  };

  for (const c of cases()) test(`${c.name}`, check(c), 60_000);

  test("a manifest claiming 10 GiB is refused before anything is written, saying how much is missing", () => {
    const small = join(work, "small-store");
    mkdirSync(small);
    tool(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", small]);
    try {
      const layout = writeLayout(join(work, "layouts", "huge"), "huge", [busyboxLayer()], { manifest: (m) => ({ ...m, layers: [{ ...(m.layers as object[])[0], size: 10 * 2 ** 30 }] }) });
      const r = bunker(root, ["--images", small, "image", "import", layout]);
      expect(r.code).toBe(1);
      expect(r.stderr.trim()).toMatch(/^bunker: Import of the OCI layout '.*huge' needs 10\.0 GiB more on the image store's file system \(\d of \d blobs are new\) and 1\d\.\d MiB is free: \d+\.\d GiB missing$/);
      expect(readdirSync(join(small, "blobs/sha256"))).toEqual([]);
      expect(readdirSync(join(small, "ingest"))).toEqual([]);
    } finally {
      tool(["umount", small]);
    }
    expect(existsSync(join(small, "index"))).toBe(false);
  });
});
