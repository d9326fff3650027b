// Files into and out of a board's ext4 disk image without mounting it (no loop device): debugfs from e2fsprogs, which
// the lane installs for mkfs.ext4. Used to carry a checkpoint from one board to another.
import { rmSync, statSync, writeFileSync } from "node:fs";
import { posix } from "node:path";

/** debugfs's output and its complaints (it exits 0 after a failed request; its banner is not a complaint). */
const debugfs = (args: string[]): { out: string; complaints: string } => {
  const p = Bun.spawnSync(["debugfs", ...args], { stdout: "pipe", stderr: "pipe" });
  if (p.exitCode !== 0) throw new Error(`Run 'debugfs ${args.join(" ")}': exit ${p.exitCode}: ${p.stderr.toString().trim()}`);
  return { out: p.stdout.toString(), complaints: p.stderr.toString().split("\n").filter((l) => l.trim() && !/^debugfs \d/.test(l)).join("; ") };
};

const sizeInImage = (image: string, path: string): number | undefined => {
  const m = /Size:\s*(\d+)/.exec(debugfs(["-R", `stat ${path}`, image]).out);
  return m ? Number(m[1]) : undefined;
};

/** Copies `path` (absolute, in the image) out of `image` into `hostFile`. */
export const readFromImage = (image: string, path: string, hostFile: string): void => {
  const { complaints } = debugfs(["-R", `dump -p ${path} ${hostFile}`, image]);
  if (complaints) throw new Error(`Copy '${path}' out of '${image}': ${complaints}`);
};

/** Writes `hostFile` into `image` as `path`, making its directories and replacing an earlier file of that name. */
export const writeToImage = (image: string, hostFile: string, path: string): void => {
  const dir = posix.dirname(path);
  const parts = dir.split("/").filter(Boolean);
  const script = `${hostFile}.debugfs`;
  // mkdir of a directory that exists and rm of a file that does not complain harmlessly; the size read back decides.
  writeFileSync(script, [...parts.map((_, i) => `mkdir /${parts.slice(0, i + 1).join("/")}`), `cd ${dir}`, `rm ${posix.basename(path)}`, `write ${hostFile} ${posix.basename(path)}`, ""].join("\n"));
  try {
    debugfs(["-w", "-f", script, image]);
  } finally {
    rmSync(script, { force: true });
  }
  const size = sizeInImage(image, path);
  if (size !== statSync(hostFile).size) throw new Error(`Copy '${hostFile}' into '${image}' as '${path}': the image holds ${size ?? "no"} bytes of it`);
};
