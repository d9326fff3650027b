// What making a container root needs from the machine beyond the store (host.ts is the real one).
import type { LayerFs } from "./layers.ts";

/** What making a root needs from the machine beyond the store. */
export interface RootHost {
  fs: LayerFs;
  /** A small file inside a root (its /etc/passwd), resolved inside it; undefined when there is none. */
  readInRoot(root: string, path: string, maxBytes: number): string | undefined;
  /** Copies what the image holds at `path` (if anything) into `dest` (an empty directory). */
  copyInRoot(root: string, path: string, dest: string): void;
  overlayAvailable(scratch: string): boolean;
  mountOverlay(layersDir: string, lowers: readonly string[], upper: string, work: string, target: string): void;
  unmount(target: string): void;
  isMountPoint(path: string): boolean;
  /** Names in a host directory (a bundle directory given by the user). */
  readDir(path: string): string[];
}
