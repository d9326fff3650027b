// The host's side of the process-checkpoint scenarios: boards made from the lane's disk image, one boot per phase of
// criu-guest.sh, the `CRIU ...` lines each boot printed, and the counter readings in them.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type BoardBase, BUILD_DIR, prepareBase } from "../../board/assemble.ts";
import { type CutAt, type JobResult, runJob } from "../../board/job.ts";
import { type BoardProfile, loadProfile } from "../../board/profile.ts";
import { readCheckpoint, writeCheckpoint } from "../../runtime/checkpoint/checkpoint-file.ts";
import { restoreTree } from "../../runtime/checkpoint/restore-tree.ts";
import { CRIU_IMAGES_TREE } from "../../runtime/durable/checkpoint-records.ts";

/** The lane's disk: the arm64 executables, CRIU, the bundles and this suite (`npm run test:board` builds it). */
export const LANE_DISK = join(BUILD_DIR, "disk.img");
export const GUEST = "/opt/bunker/tests/criu-guest.sh";
/** Where board A leaves the checkpoint it hands to board B (criu-guest.sh's $carry). */
export const CARRIED = "/var/lib/bunker/carry/c1.bnkc";

/** Why the scenarios cannot run here, or undefined. */
export const cannotRun = (): string | undefined =>
  !Bun.which("qemu-system-aarch64")
    ? "needs qemu-system-aarch64 (npm run test:board installs it)"
    : !existsSync(LANE_DISK)
      ? `needs the lane's disk '${LANE_DISK}' (npm run test:board builds it)`
      : !Bun.which("debugfs", { PATH: `${process.env.PATH}:/sbin:/usr/sbin` })
        ? "needs debugfs (e2fsprogs)"
        : undefined;

/** A copy of the process checkpoint `file` whose process tree image is garbage: CRIU's restore of it must fail. */
export const breakCheckpoint = (file: string, out: string): void => {
  const contents = readCheckpoint(file);
  const work = mkdtempSync(`${out}.trees-`);
  try {
    const trees = contents.trees.map((t, i) => {
      const dir = join(work, String(i));
      restoreTree(file, t.name, dir, { contents, durable: false });
      return { name: t.name, dir };
    });
    writeFileSync(join(trees.find((t) => t.name === CRIU_IMAGES_TREE)!.dir, "pstree.img"), "not a pstree image");
    writeCheckpoint({ file: out, id: contents.head.id, trees, config: contents.config, state: contents.state, ...(contents.process ? { process: contents.process } : {}), standalone: true });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
};

export interface Mark {
  what: string;
  id: string;
  rest: string;
}

export interface Phase {
  job: JobResult;
  marks: Mark[];
  /** The rest of the first mark of this kind for this container (throws, naming the phase, when there is none). */
  one(what: string, id: string): string;
  all(what: string, id: string): string[];
}

export const phaseOf = (name: string, job: JobResult): Phase => {
  const marks = job.lines.flatMap((l) => {
    const m = /^CRIU (\S+) (\S+) ?(.*)$/.exec(l.text);
    return m ? [{ what: m[1]!, id: m[2]!, rest: m[3]! }] : [];
  });
  const all = (what: string, id: string): string[] => marks.filter((m) => m.what === what && m.id === id).map((m) => m.rest);
  return {
    job,
    marks,
    all,
    one(what, id) {
      const found = all(what, id)[0];
      if (found === undefined) throw new Error(`Board phase ${name} printed no 'CRIU ${what} ${id}' (console ends: ${job.lines.slice(-6).map((l) => l.text).join(" | ")})`);
      return found;
    },
  };
};

/** A counter reading "TOKEN N". */
export const reading = (text: string): { token: string; n: number } => {
  const m = /^(\S+) (\d+)$/.exec(text.trim());
  if (!m) throw new Error(`Not a counter reading: '${text}'`);
  return { token: m[1]!, n: Number(m[2]) };
};

/** The exit status and the JSON of a `checkpoint`/`restore` mark ("RC JSON"). */
export const outcome = <T>(text: string): { rc: number; json: T } => {
  const m = /^(\d+) (.*)$/.exec(text);
  if (!m) throw new Error(`Not an exit status and output: '${text}'`);
  let json: T;
  try {
    json = JSON.parse(m[2]!) as T;
  } catch {
    throw new Error(`Exit ${m[1]}, and the output is not JSON: ${m[2]!.slice(0, 400)}`);
  }
  return { rc: Number(m[1]), json };
};

export class Boards {
  readonly profile: BoardProfile = loadProfile("qemu-virt-a53");
  readonly base: BoardBase = prepareBase(() => {});
  readonly dir = join(BUILD_DIR, "criu");

  constructor(private readonly log: (line: string) => void = () => {}) {
    mkdirSync(this.dir, { recursive: true });
  }

  /** A board disk of its own: a sparse copy of the lane's. */
  disk(name: string): string {
    const disk = join(this.dir, `${name}.img`);
    const p = Bun.spawnSync(["cp", "--sparse=always", LANE_DISK, disk], { stderr: "pipe" });
    if (p.exitCode !== 0) throw new Error(`Copy the lane's disk to '${disk}': ${p.stderr.toString().trim()}`);
    return disk;
  }

  /** One boot running `criu-guest.sh PHASE`; `cut` cuts its power. */
  async phase(disk: string, phase: string, cut?: CutAt): Promise<Phase> {
    const started = performance.now();
    const job = await runJob({
      profile: this.profile,
      base: this.base,
      disk,
      script: `sh ${GUEST} ${phase}\n`,
      name: `criu-${phase.replaceAll(/\W+/g, "-")}`,
      timeoutMs: 15 * 60_000,
      ...(cut ? { cut } : {}),
      onLine: (l) => {
        if (l.text.startsWith("CRIU ")) this.log(`${phase} [${(l.ms / 1000).toFixed(1)}s] ${l.text.slice(0, 300)}`);
      },
    });
    this.log(`${phase}: ${job.cut ? `power cut at ${job.cutAtMs} ms` : `job exit ${job.jobExit}`} after ${((performance.now() - started) / 1000).toFixed(0)} s`);
    return phaseOf(phase, job);
  }
}
