// The board's virtio disk: an ext4 image filled from a directory by mkfs.ext4 -d (no loop mount, no root needed).
import { closeSync, ftruncateSync, lstatSync, openSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";

/** Bytes used by the files below `dir`, each rounded up to a 4 KiB block. */
export const treeBytes = (dir: string): number => {
  let total = 0;
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, d.name);
    total += d.isDirectory() ? 4096 + treeBytes(p) : Math.ceil(lstatSync(p).size / 4096) * 4096;
  }
  return total;
};

/** Writes `image` (a sparse file of `sizeMiB`) as ext4 holding `tree`; returns the MiB the tree takes. */
export const makeExt4Image = (tree: string, image: string, sizeMiB: number, label = "bunker-board"): number => {
  const used = Math.ceil(treeBytes(tree) / 2 ** 20);
  // ext4's own metadata (inode tables, journal) wants about a tenth more; keep room for state and containers.
  if (used * 1.1 + 64 > sizeMiB) throw new Error(`Make the board disk image '${image}': ${used} MiB of files do not fit in ${sizeMiB} MiB`);
  rmSync(image, { force: true });
  const fd = openSync(image, "w");
  ftruncateSync(fd, sizeMiB * 2 ** 20);
  closeSync(fd);
  const p = Bun.spawnSync(
    ["mkfs.ext4", "-q", "-F", "-L", label, "-b", "4096", "-E", "root_owner=0:0", "-d", tree, image],
    { stdout: "pipe", stderr: "pipe" },
  );
  if (p.exitCode !== 0) throw new Error(`Make the board disk image '${image}': mkfs.ext4 exit ${p.exitCode}: ${p.stderr.toString().trim()}`);
  return used;
};
