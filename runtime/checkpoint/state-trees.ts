// Which directories of a container a checkpoint holds, and where they live for a given bundle: the mounts whose
// destinations the annotation lists (the container's state), or else the whole rootfs.
import { resolve } from "node:path";

/** Comma-separated mount destinations, e.g. "/data,/var/lib/app". */
export const STATE_ANNOTATION = "org.bunker.checkpoint.state";

/** The parts of config.json this needs, as written in the bundle (paths may be relative to it). */
export interface TreeConfig {
  root?: { path?: string };
  mounts?: { destination: string; source?: string }[];
  annotations?: Record<string, string>;
}

export const stateTrees = (bundle: string, config: TreeConfig): { name: string; dir: string }[] => {
  const listed = config.annotations?.[STATE_ANNOTATION];
  if (!listed) return [{ name: "rootfs", dir: resolve(bundle, config.root?.path ?? "rootfs") }];
  return listed
    .split(",")
    .map((d) => d.trim())
    .filter((d) => d !== "")
    .map((destination) => {
      const mount = config.mounts?.find((m) => m.destination === destination);
      if (!mount?.source) throw new Error(`Find state mount '${destination}': annotation '${STATE_ANNOTATION}' names it, but no mount with a source has that destination`);
      return { name: destination, dir: resolve(bundle, mount.source) };
    });
};
