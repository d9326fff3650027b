// OCI image layouts written by the tests themselves, for what no tool would make: hostile layers, lying manifests,
// broken configs. Each layer is given as tar bytes (compressed here) or as a file already written.
import { createWriteStream, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { createGzip, createZstdCompress } from "node:zlib";
import { BUSYBOX } from "./bundle.ts";
import { tarBytes, type TarMember } from "./tar-writer.ts";

export const sha256 = (b: Uint8Array): string => `sha256:${new Bun.CryptoHasher("sha256").update(b).digest("hex")}`;

const ARCH = process.arch === "arm64" ? "arm64" : "amd64";

export interface LayerSpec {
  /** The blob's bytes, and the media type that says how they are compressed. */
  blob: Uint8Array;
  mediaType: string;
  /** The uncompressed tar's digest as the config lists it. */
  diffId: string;
}

export const plainLayer = (members: TarMember[]): LayerSpec => {
  const tar = tarBytes(members);
  return { blob: tar, mediaType: "application/vnd.oci.image.layer.v1.tar", diffId: sha256(tar) };
};

export const gzipLayer = (members: TarMember[]): LayerSpec => {
  const tar = tarBytes(members);
  return { blob: Bun.gzipSync(tar as Uint8Array<ArrayBuffer>), mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", diffId: sha256(tar) };
};

/** A layer holding busybox and its sh link: something to run. */
export const busyboxLayer = (): LayerSpec =>
  gzipLayer([
    { name: "bin/", type: "dir" },
    { name: "bin/busybox", data: readFileSync(BUSYBOX), mode: 0o755 },
    { name: "bin/sh", type: "symlink", linkname: "busybox" },
  ]);

/**
 * A compression bomb: a tar entry claiming `bytes` of zeros, compressed as a stream to `file` (never held in
 * memory). Its diff ID is made up: the bound must stop it long before the digest could.
 */
export const bombLayer = async (file: string, compression: "gzip" | "zstd", bytes: number): Promise<LayerSpec> => {
  const header = tarBytes([{ name: "zeros", size: bytes }], { end: false });
  async function* source() {
    yield header;
    const zeros = new Uint8Array(1024 * 1024);
    for (let left = bytes; left > 0; left -= zeros.length) yield left >= zeros.length ? zeros : zeros.subarray(0, left);
  }
  await pipeline(source(), compression === "gzip" ? createGzip({ level: 1 }) : createZstdCompress(), createWriteStream(file));
  const blob = new Uint8Array(await Bun.file(file).arrayBuffer());
  return { blob, mediaType: `application/vnd.oci.image.layer.v1.tar+${compression}`, diffId: `sha256:${"0".repeat(64)}` };
};

export interface LayoutEdits {
  config?: (c: Record<string, unknown>) => unknown;
  /** The config's bytes as written (e.g. not JSON). */
  configBytes?: Uint8Array;
  manifest?: (m: Record<string, unknown>) => unknown;
  platform?: { os: string; architecture: string };
  /** Wrap the manifest in an index (with the given platform). */
  index?: boolean;
}

/** Writes an OCI layout at `dir` whose one image is named `name` (ref.name annotation). */
export const writeLayout = (dir: string, name: string, layers: LayerSpec[], edits: LayoutEdits = {}): string => {
  mkdirSync(join(dir, "blobs/sha256"), { recursive: true });
  const put = (bytes: Uint8Array): { digest: string; size: number } => {
    const digest = sha256(bytes);
    writeFileSync(join(dir, "blobs/sha256", digest.slice(7)), bytes);
    return { digest, size: bytes.length };
  };
  const baseConfig = { architecture: ARCH, os: "linux", config: { Cmd: ["/bin/sh", "-c", "echo ran"] }, rootfs: { type: "layers", diff_ids: layers.map((l) => l.diffId) } };
  const config = put(edits.configBytes ?? Buffer.from(JSON.stringify(edits.config ? edits.config(baseConfig) : baseConfig)));
  const baseManifest = {
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: { mediaType: "application/vnd.oci.image.config.v1+json", ...config },
    layers: layers.map((l) => ({ mediaType: l.mediaType, ...put(l.blob) })),
  };
  const manifest = put(Buffer.from(JSON.stringify(edits.manifest ? edits.manifest(baseManifest) : baseManifest)));
  let top = { mediaType: "application/vnd.oci.image.manifest.v1+json", ...manifest };
  if (edits.index) {
    const idx = put(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: [{ ...top, platform: edits.platform ?? { os: "linux", architecture: ARCH } }] })));
    top = { mediaType: "application/vnd.oci.image.index.v1+json", ...idx };
  }
  writeFileSync(join(dir, "index.json"), JSON.stringify({ schemaVersion: 2, manifests: [{ ...top, annotations: { "org.opencontainers.image.ref.name": name } }] }));
  writeFileSync(join(dir, "oci-layout"), '{"imageLayoutVersion":"1.0.0"}');
  return dir;
};
