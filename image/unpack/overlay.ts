// overlayfs for container roots: probed once (listed in /proc/filesystems, or a test mount succeeds, which loads
// the module), and mounted with the image's layer directories as read-only lowers, top layer first.
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { mount, umount2 } from "../../ffi/mount.ts";

/** The kernel's bound on mount options: one page. */
const MAX_OPTIONS = 4096;
const MNT_DETACH = 2;

/** "1" makes bunker behave as on a kernel without overlayfs (tests of the flattened fallback). */
export const NO_OVERLAY_ENV = "BUNKER_TEST_NO_OVERLAY";

/** Whether overlayfs can be mounted here, with `scratch` (on the store's file system) to try it in. */
export const overlayAvailable = (scratch: string): boolean => {
  if (process.getuid?.() !== 0 || process.env[NO_OVERLAY_ENV] === "1") return false;
  try {
    if (/\toverlay$/m.test(readFileSync("/proc/filesystems", "utf8"))) return true;
  } catch {
    return false;
  }
  const dirs = ["lower", "upper", "work", "merged"].map((d) => join(scratch, d));
  try {
    for (const d of dirs) mkdirSync(d, { recursive: true });
    mount("overlay", dirs[3]!, "overlay", 0, `lowerdir=${dirs[0]},upperdir=${dirs[1]},workdir=${dirs[2]}`);
    umount2(dirs[3]!, MNT_DETACH);
    return true;
  } catch {
    return false;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
};

/**
 * Mounts the overlay at `target`. Lower directories are named relative to `layersDir` (the mount resolves them
 * from the working directory), so that an image of many layers fits the kernel's one page of options.
 */
export const mountOverlay = (layersDir: string, lowers: readonly string[], upper: string, work: string, target: string): void => {
  const data = `lowerdir=${lowers.join(":")},upperdir=${upper},workdir=${work}`;
  if (data.length >= MAX_OPTIONS) throw new Error(`Mount the overlay at '${target}': ${lowers.length} layers need ${data.length} bytes of mount options, more than the kernel's ${MAX_OPTIONS}`);
  const cwd = process.cwd();
  process.chdir(layersDir);
  try {
    mount("overlay", target, "overlay", 0, data);
  } finally {
    process.chdir(cwd);
  }
};

export const unmount = (target: string): void => umount2(target, MNT_DETACH);
