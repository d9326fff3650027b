// Layers unpacked once each into layers/<diff ID hex>, shared by every image and container that has them: into
// `<hex>.tmp`, synced with one syncfs, renamed, the directory synced, and only then recorded in the index. A
// directory the index does not name is never used (recovery and gc remove it), so a recorded layer is whole.
import type { Progress } from "../progress.ts";
import { shortDigest } from "../digest.ts";
import { LAYER_TMP_SUFFIX, layerDir } from "../store/layout.ts";
import type { ImageStore } from "../store/store.ts";
import { extractLayer, type ExtractStats, type UnpackMode } from "./extract.ts";
import { layerEntries } from "./layer-stream.ts";
import type { LayerRef } from "../store/load.ts";
import type { TreeWriter } from "./tree.ts";

export interface OpenTree extends TreeWriter {
  close(): void;
}

/** Directory operations around the tree writer: what a layer's unpacking does besides writing its tree. */
export interface LayerFs {
  exists(path: string): boolean;
  mkdir(path: string): void;
  removeTree(path: string): void;
  rename(from: string, to: string): void;
  fsyncDir(dir: string): void;
  openTree(path: string): OpenTree;
}

export interface UnpackOptions {
  /** Bound on the bytes one layer may decompress to. */
  maxLayerBytes: number;
  chown: boolean;
  devices: boolean;
  progress: Progress;
}

/** Default bound on a layer's uncompressed size: more than any board's flash, less than a bomb's appetite. */
export const DEFAULT_MAX_LAYER_BYTES = 16 * 2 ** 30;

/** Writes one layer's tar into `tree` (layer directory or flattened root), its progress counted in compressed bytes. */
export const unpackInto = async (store: ImageStore, layer: LayerRef, tree: TreeWriter, mode: UnpackMode, opts: UnpackOptions, what: string): Promise<ExtractStats> => {
  const id = shortDigest(layer.digest);
  opts.progress.begin(id, "unpack", what, store.blobSize(layer.digest) ?? 0);
  try {
    const entries = layerEntries(store, layer, opts.maxLayerBytes, what, (bytes) => opts.progress.advance(id, bytes));
    const stats = await extractLayer(entries, tree, { mode, chown: opts.chown, devices: opts.devices, what });
    opts.progress.end(id, "done");
    return stats;
  } catch (err) {
    opts.progress.end(id, "failed");
    throw err;
  }
};

/** Makes sure the layer's directory exists, whole and recorded; returns its path. */
export const ensureLayerDir = async (store: ImageStore, fs: LayerFs, layer: LayerRef, opts: UnpackOptions, what: string): Promise<string> => {
  const dir = layerDir(store.layout, layer.diffId);
  if (store.hasLayer(layer.diffId) && fs.exists(dir)) return dir;
  const tmp = `${dir}${LAYER_TMP_SUFFIX}`;
  // A directory the index does not name is not trusted to be whole: it is made again.
  fs.removeTree(dir);
  fs.removeTree(tmp);
  fs.mkdir(tmp);
  try {
    const tree = fs.openTree(tmp);
    let stats: ExtractStats;
    try {
      stats = await unpackInto(store, layer, tree, "layer", opts, what);
      tree.sync();
    } finally {
      tree.close();
    }
    fs.rename(tmp, dir);
    fs.fsyncDir(store.layout.layers);
    store.addLayer({ diffId: layer.diffId, bytes: stats.bytes, entries: stats.entries });
    for (const note of skipNotes(stats, what)) opts.progress.note(note);
    return dir;
  } catch (err) {
    fs.removeTree(tmp);
    throw err;
  }
};

const SKIP_TEXT: Record<keyof ExtractStats["skipped"], string> = {
  devices: "device nodes (containers get theirs from the runtime config)",
  overlayXattrs: "trusted.overlay.* attributes (only bunker's own whiteouts may steer overlayfs)",
  xattrs: "extended attributes the file system refused",
};

export const skipNotes = (stats: ExtractStats, what: string): string[] =>
  Object.entries(stats.skipped).flatMap(([reason, n]) => (n ? [`${what}: skipped ${n} ${SKIP_TEXT[reason as keyof ExtractStats["skipped"]]}`] : []));
