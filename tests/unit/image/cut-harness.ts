// Power cuts at every write of an import and of an unpack, on the fault storage: the workload runs once to count
// its mutating calls, then for each call N and each failure model it runs again with the power cut after call N,
// the disk is taken as the next boot would find it, the store is opened (recovery), and then:
// - every blob in blobs/ is whole (its bytes hash to its name; none is zero-length unless it is the empty blob),
// - every name reaches only blobs the store holds, every recorded layer directory holds exactly its layer's tree,
// - running the workload again completes (the import resumes) and leaves the same store as an uncut run.
import { FAILURE_MODELS, FaultStorage, PowerCut, type FailureModel } from "../../../runtime/durable/fault-storage.ts";
import { describeError } from "../../../runtime/errors.ts";
import { digestOf } from "../../../image/digest.ts";
import { silentProgress } from "../../../image/progress.ts";
import { importImage } from "../../../image/sources/import.ts";
import { layerDir } from "../../../image/store/layout.ts";
import { loadImage } from "../../../image/store/load.ts";
import { reach, storeRoots } from "../../../image/store/reach.ts";
import type { ImageStore } from "../../../image/store/store.ts";
import { DEFAULT_MAX_LAYER_BYTES, ensureLayerDir } from "../../../image/unpack/layers.ts";
import { chunked, tarBytes, type TarMember } from "../../support/tar-writer.ts";
import { openFaultStore } from "../fakes/image-store.ts";
import { faultLayerFs, replay } from "../fakes/layer-fs.ts";

const EMPTY = digestOf(new Uint8Array(0));
const enc = new TextEncoder();

/** Pseudo-random bytes that do not compress away, so blobs span several checkpoints. */
const noise = (n: number, seed: number): Uint8Array => {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
};

const LAYERS: TarMember[][] = [
  [
    { name: "bin/", type: "dir" },
    { name: "bin/busybox", data: noise(24_000, 1), mode: 0o755 },
    { name: "bin/sh", type: "symlink", linkname: "busybox" },
    { name: "etc/", type: "dir" },
    { name: "etc/passwd", data: "root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n" },
    { name: "etc/motd", data: "hello" },
  ],
  [
    { name: "etc/.wh.motd" },
    { name: "app/", type: "dir" },
    { name: "app/data", data: noise(14_000, 2) },
    { name: "app/link", type: "hardlink", linkname: "app/data" },
  ],
];

const json = (v: unknown): Uint8Array => enc.encode(JSON.stringify(v));

/** An OCI image layout as a tar (what `skopeo copy ... oci-archive:` writes), with gzip layers; a `release` other
 * than 0 adds /etc/release to the first layer (another version of the image: its own layer and manifest). */
export const layoutArchive = (name = "example.com/app:1", release = 0): Uint8Array => {
  const members = release ? [[...LAYERS[0]!, { name: "etc/release", data: `${release}\n` }], ...LAYERS.slice(1)] : LAYERS;
  const layers = members.map((m) => Bun.gzipSync(tarBytes(m) as Uint8Array<ArrayBuffer>));
  const config = json({ architecture: "arm64", os: "linux", config: { Cmd: ["/bin/sh"] }, rootfs: { type: "layers", diff_ids: members.map((m) => digestOf(tarBytes(m))) } });
  const desc = (mediaType: string, b: Uint8Array) => ({ mediaType, digest: digestOf(b), size: b.length });
  const manifest = json({ schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", config: desc("application/vnd.oci.image.config.v1+json", config), layers: layers.map((l) => desc("application/vnd.oci.image.layer.v1.tar+gzip", l)) });
  const index = json({ schemaVersion: 2, manifests: [{ ...desc("application/vnd.oci.image.manifest.v1+json", manifest), annotations: { "org.opencontainers.image.ref.name": name } }] });
  const blob = (b: Uint8Array): TarMember => ({ name: `blobs/sha256/${digestOf(b).slice(7)}`, data: b });
  return tarBytes([{ name: "blobs/", type: "dir" }, ...[...layers, config, manifest].map(blob), { name: "index.json", data: index }, { name: "oci-layout", data: '{"imageLayoutVersion":"1.0.0"}' }]);
};

/** A Docker archive (what `docker save` writes): plain tar layers, manifest.json last. */
export const dockerArchive = (): Uint8Array => {
  const layers = LAYERS.map((m) => tarBytes(m));
  const config = json({ architecture: "arm64", os: "linux", config: { Cmd: ["/bin/sh"] }, rootfs: { type: "layers", diff_ids: layers.map((l) => digestOf(l)) } });
  const cfgName = `${digestOf(config).slice(7)}.json`;
  return tarBytes([
    ...layers.map((l, i): TarMember => ({ name: `layer${i}/layer.tar`, data: l })),
    { name: cfgName, data: config },
    { name: "manifest.json", data: json([{ Config: cfgName, RepoTags: ["example.com/app:1"], Layers: layers.map((_, i) => `layer${i}/layer.tar`) }]) },
  ]);
};

export type Workload = "import-layout" | "import-docker" | "unpack";

const importInto = async (store: ImageStore, archive: Uint8Array, chunk: number): Promise<void> => {
  await importImage({ store, source: "-", stdin: () => chunked(archive, chunk), platform: { os: "linux", architecture: "arm64" }, progress: silentProgress });
};

const unpackAll = async (store: ImageStore): Promise<void> => {
  const fs = faultLayerFs(store.deps.storage);
  const image = loadImage(store, "example.com/app:1");
  for (const [i, layer] of image.layers.entries())
    await ensureLayerDir(store, fs, layer, { maxLayerBytes: DEFAULT_MAX_LAYER_BYTES, chown: true, devices: false, progress: silentProgress }, `layer ${i + 1}`);
};

const run = async (w: Workload, storage: FaultStorage, chunk: number): Promise<void> => {
  const store = openFaultStore(storage);
  try {
    if (w === "unpack") await unpackAll(store);
    else await importInto(store, w === "import-layout" ? layoutArchive() : dockerArchive(), chunk);
  } finally {
    store.close();
  }
};

/** Everything the invariants say about a recovered store; an empty list is a consistent store. */
export const storeProblems = (storage: FaultStorage, expectedLayers: Map<string, string[]>): string[] => {
  const out: string[] = [];
  const store = openFaultStore(storage);
  try {
    for (const b of store.listBlobs()) {
      const bytes = storage.read(`${store.layout.blobs}/${b.digest.replace(":", "/")}`)!;
      if (bytes.length === 0 && b.digest !== EMPTY) out.push(`zero-length blob ${b.digest}`);
      else if (digestOf(bytes) !== b.digest) out.push(`corrupt blob ${b.digest}`);
    }
    const found = reach(store, storeRoots(store));
    for (const [d, root] of found.missing) out.push(`${root} reaches ${d}, which is not stored`);
    for (const l of store.index.layers) {
      const got = replay(storage.read(layerDir(store.layout, l.diffId))).listing();
      const want = expectedLayers.get(l.diffId);
      if (!want || got.join("\n") !== want.join("\n")) out.push(`recorded layer ${l.diffId} is not whole: ${got.length} entries`);
    }
  } finally {
    store.close();
  }
  return out;
};

export interface CutReport {
  workload: Workload;
  calls: number;
  cuts: number;
  failures: { cutAfter: number; model: FailureModel; problem: string }[];
}

/** `every`: cut at every N-th call only (the CI sample); `seed` picks the failure models' choices. */
export const runCuts = async (w: Workload, opts: { seed: number; every?: number; chunk?: number; models?: readonly FailureModel[] }): Promise<CutReport> => {
  const chunk = opts.chunk ?? 2048;
  const models = opts.models ?? FAILURE_MODELS;
  // The unpack workload cuts only the unpacking: the import before it runs on a disk made durable first.
  let base: FaultStorage | undefined;
  if (w === "unpack") {
    const pre = new FaultStorage();
    await run("import-layout", pre, 4096);
    base = pre;
  }
  const fresh = (cutAfter = Infinity): FaultStorage => new FaultStorage(base ? base.afterCut("drop", 0) : undefined, cutAfter);
  const whole = fresh();
  const before = whole.calls;
  await run(w, whole, chunk);
  const calls = whole.calls - before;
  const expectedLayers = new Map<string, string[]>();
  if (w === "unpack") {
    const s = openFaultStore(whole);
    for (const l of s.index.layers) expectedLayers.set(l.diffId, replay(whole.read(layerDir(s.layout, l.diffId))).listing());
  }
  const report: CutReport = { workload: w, calls, cuts: 0, failures: [] };
  for (let n = 0; n < calls; n += opts.every ?? 1)
    for (const [mi, model] of models.entries()) {
      report.cuts++;
      const fail = (problem: string) => void report.failures.push({ cutAfter: n, model, problem });
      const disk = fresh(before + n);
      try {
        await run(w, disk, chunk);
        fail("the workload finished although the power was cut");
        continue;
      } catch (err) {
        let e: unknown = err;
        while (e instanceof Error && !(e instanceof PowerCut) && e.cause) e = e.cause;
        if (!(e instanceof PowerCut) && !describeError(err).includes("Power")) {
          fail(`failed before the cut: ${describeError(err)}`);
          continue;
        }
      }
      const rebooted = new FaultStorage(disk.afterCut(model, opts.seed * 7919 + n * 4 + mi));
      try {
        for (const p of storeProblems(rebooted, expectedLayers)) fail(`after recovery: ${p}`);
        await run(w, rebooted, chunk);
        for (const p of storeProblems(rebooted, expectedLayers)) fail(`after the resumed run: ${p}`);
        const s = openFaultStore(rebooted);
        if (!s.index.images.some((i) => i.name === "example.com/app:1")) fail("the resumed run did not name the image");
        if (w === "unpack" && s.index.layers.length !== LAYERS.length) fail("the resumed run did not record every layer");
        s.close();
      } catch (err) {
        fail(`recovery or resume failed: ${describeError(err)}`);
      }
    }
  return report;
};
