// A container's root from an image, in the store: containers/<id>/ holds config.json, rootfs (the overlay of the
// image's layer directories and the container's own upper and work directories, or where overlayfs is missing,
// a flattened copy of the image), and the image's volumes. The use is recorded before anything is made, so gc
// never takes the layers from under it; on any failure everything made is taken down again.
import { join } from "node:path";
import { writeFileAtomic } from "../../runtime/durable/atomic-file.ts";
import type { Config } from "../../runtime/spec/config.ts";
import { describeError } from "../../runtime/errors.ts";
import { containerDir, layerDir } from "../store/layout.ts";
import { imageOf, loadImage, type StoredImage } from "../store/load.ts";
import type { ImageStore } from "../store/store.ts";
import { ensureLayerDir, skipNotes, unpackInto, type LayerFs, type UnpackOptions } from "../unpack/layers.ts";
import type { RootHost } from "../unpack/root-host.ts";
import { IMAGE_ANNOTATION, MANIFEST_ANNOTATION, STORE_ANNOTATION } from "./annotations.ts";
import { resolveIdentity } from "./identity.ts";
import { runtimeConfig, volumeTargets, type Overrides } from "./runtime-config.ts";

export interface RootRequest {
  id: string;
  ref: string;
  overrides: Overrides;
  unpack: UnpackOptions;
}

export interface PreparedRoot {
  bundle: string;
  config: Config;
  overlay: boolean;
  image: StoredImage;
}

const MAX_ID_FILE = 1024 * 1024;

const rootPaths = (store: ImageStore, id: string) => {
  const dir = containerDir(store.layout, id);
  return { dir, rootfs: join(dir, "rootfs"), upper: join(dir, "upper"), work: join(dir, "work"), lower: join(dir, "lower"), volumes: join(dir, "volumes"), flat: join(dir, "rootfs.tmp") };
};

/** Unpacks what is missing, makes the root and writes the bundle. The caller holds the store open for writing. */
export const prepareRoot = async (store: ImageStore, host: RootHost, req: RootRequest): Promise<PreparedRoot> => {
  const image = loadImage(store, req.ref);
  const p = rootPaths(store, req.id);
  if (host.fs.exists(p.dir)) {
    if (store.use(req.id) || host.isMountPoint(p.rootfs)) throw new Error(`Container '${req.id}' already has a root in the image store '${store.layout.dir}'`);
    host.fs.removeTree(p.dir);
  }
  const overlay = host.overlayAvailable(join(store.layout.dir, `.probe-${process.pid}`));
  store.addUse({ container: req.id, manifest: image.name.manifest, overlay });
  let mounted = false;
  try {
    host.fs.mkdir(p.dir);
    host.fs.mkdir(p.rootfs);
    if (overlay) {
      const lowers: string[] = [];
      for (const [i, layer] of image.layers.entries()) lowers.unshift(await ensureLayerDir(store, host.fs, layer, req.unpack, `layer ${i + 1} of '${image.name.name}'`));
      if (lowers.length === 0) {
        host.fs.mkdir(p.lower);
        lowers.push(p.lower);
      }
      host.fs.mkdir(p.upper);
      host.fs.mkdir(p.work);
      host.mountOverlay(store.layout.layers, lowers.map((l) => (l.startsWith(`${store.layout.layers}/`) ? l.slice(store.layout.layers.length + 1) : l)), p.upper, p.work, p.rootfs);
      mounted = true;
    } else {
      req.unpack.progress.note(`overlayfs is not available here: the root of '${req.id}' is a copy of the image`);
      await flatten(store, host.fs, image, p.flat, req.unpack);
      host.fs.removeTree(p.rootfs);
      host.fs.rename(p.flat, p.rootfs);
      host.fs.fsyncDir(p.dir);
    }
    const config = bundleConfig(store, host, image, req, p.rootfs, p.volumes);
    writeFileAtomic(join(p.dir, "config.json"), `${JSON.stringify(config, null, 2)}\n`, { durable: true });
    return { bundle: p.dir, config, overlay, image };
  } catch (err) {
    const cleanup: unknown[] = [];
    try {
      if (mounted) host.unmount(p.rootfs);
      host.fs.removeTree(p.dir);
      store.removeUse(req.id);
    } catch (e) {
      cleanup.push(e);
    }
    if (cleanup.length) throw new AggregateError(cleanup, `${describeError(err)} (and cleaning up failed)`, { cause: err });
    throw err;
  }
};

/** The image's layers in order into one directory, whiteouts as deletions, synced once. */
export const flatten = async (store: ImageStore, fs: LayerFs, image: StoredImage, target: string, opts: UnpackOptions): Promise<void> => {
  fs.removeTree(target);
  fs.mkdir(target);
  const tree = fs.openTree(target);
  try {
    for (const [i, layer] of image.layers.entries()) {
      const what = `layer ${i + 1} of '${image.name.name}'`;
      for (const note of skipNotes(await unpackInto(store, layer, tree, "flatten", opts, what), what)) opts.progress.note(note);
    }
    tree.sync();
  } finally {
    tree.close();
  }
};

/** The runtime config from the image's config, its /etc/passwd and /etc/group, its volumes and the overrides. */
export const bundleConfig = (store: ImageStore | undefined, host: RootHost, image: StoredImage, req: Pick<RootRequest, "id" | "overrides">, rootfs: string, volumesDir: string): Config => {
  const identity = resolveIdentity(image.config.config?.User, host.readInRoot(rootfs, "/etc/passwd", MAX_ID_FILE), host.readInRoot(rootfs, "/etc/group", MAX_ID_FILE));
  const volumes = volumeTargets(image.config).map((destination, i) => {
    const source = join(volumesDir, String(i));
    if (i === 0) host.fs.mkdir(volumesDir);
    host.fs.mkdir(source);
    host.copyInRoot(rootfs, destination, source);
    return { destination, source };
  });
  return runtimeConfig({
    id: req.id,
    image: image.config,
    identity,
    volumes,
    overrides: req.overrides,
    annotations: {
      [IMAGE_ANNOTATION]: image.name.name,
      [MANIFEST_ANNOTATION]: image.name.manifest,
      ...(store ? { [STORE_ANNOTATION]: store.layout.dir } : {}),
    },
  });
};

/** Takes a container's root down: the overlay unmounted, its directory (upper, volumes) removed, the use dropped. */
export const releaseRoot = (store: ImageStore, host: RootHost, id: string): boolean => {
  const p = rootPaths(store, id);
  const had = store.use(id) !== undefined || host.fs.exists(p.dir);
  if (host.isMountPoint(p.rootfs)) host.unmount(p.rootfs);
  host.fs.removeTree(p.dir);
  store.removeUse(id);
  return had;
};

/** After a boot: mounts again the overlay of every container root the index names (their layers are recorded). */
export const remountRoots = (store: ImageStore, host: RootHost): string[] => {
  const done: string[] = [];
  for (const use of store.index.uses) {
    if (!use.overlay) continue;
    const p = rootPaths(store, use.container);
    if (!host.fs.exists(p.dir) || host.isMountPoint(p.rootfs)) continue;
    const { layers } = imageOf(store, { name: `the image of container '${use.container}'`, digest: use.manifest, manifest: use.manifest, platform: "", created: 0 });
    const lowers = layers.map((l) => layerDir(store.layout, l.diffId)).reverse();
    for (const l of lowers) if (!host.fs.exists(l)) throw new Error(`Mount the root of container '${use.container}' again: its layer directory '${l}' is gone`);
    host.mountOverlay(store.layout.layers, lowers.length ? lowers.map((l) => l.slice(store.layout.layers.length + 1)) : [p.lower], p.upper, p.work, p.rootfs);
    done.push(use.container);
  }
  return done;
};

/**
 * `bunker image bundle REF DIR`: a bundle for any OCI runtime, self-contained: DIR/rootfs a flattened copy of the
 * image (no overlay to unmount, nothing in the store to release), DIR/config.json, DIR/volumes. DIR must be empty.
 */
export const exportBundle = async (store: ImageStore, host: RootHost, req: RootRequest & { dir: string }): Promise<Config> => {
  const image = loadImage(store, req.ref);
  if (host.fs.exists(req.dir) && host.readDir(req.dir).length) throw new Error(`Bundle directory '${req.dir}' is not empty`);
  const made = !host.fs.exists(req.dir);
  if (made) host.fs.mkdir(req.dir);
  try {
    const rootfs = join(req.dir, "rootfs");
    await flatten(store, host.fs, image, `${rootfs}.tmp`, req.unpack);
    host.fs.rename(`${rootfs}.tmp`, rootfs);
    host.fs.fsyncDir(req.dir);
    const config = bundleConfig(undefined, host, image, req, rootfs, join(req.dir, "volumes"));
    writeFileAtomic(join(req.dir, "config.json"), `${JSON.stringify(config, null, 2)}\n`, { durable: true });
    return config;
  } catch (err) {
    if (made) host.fs.removeTree(req.dir);
    else for (const name of host.readDir(req.dir)) host.fs.removeTree(join(req.dir, name));
    throw err;
  }
};
