// The process part of `bunker checkpoint --process`: CRIU dumps the container's whole process tree (frozen by the
// caller) into a scratch directory beside the checkpoint file, described as CRIU needs it (external mounts, stdio,
// joined namespaces, cgroup root); the caller packs the images into the checkpoint file and removes the scratch directory.
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { CgroupManager } from "../cgroups/manager.ts";
import { limitsViewDir, type ContainerRecord } from "../container/record.ts";
import type { ProcessImage } from "../durable/checkpoint-records.ts";
import type { Config } from "../spec/config.ts";
import { namespacePath } from "../spec/namespaces.ts";
import { dumpArgs } from "./criu-args.ts";
import { externalMountCandidates, mountedExternals } from "./criu-mounts.ts";
import { dumpedNamespaces, joinedNamespaces } from "./criu-namespaces.ts";
import { describeStdio } from "./criu-stdio.ts";
import type { ProcessHost } from "./process-host.ts";
import { debugEnabled } from "../debug.ts";

/** CRIU's scratch directory for the checkpoint `file`: images/ (packed into the file) and work/ (its log). */
export const SCRATCH_SUFFIX = ".criu";
export const scratchDir = (file: string): string => `${file}${SCRATCH_SUFFIX}`;

export interface PlannedDump {
  image: ProcessImage;
  /** The cgroup v2 directory CRIU freezes through. */
  freezer: string;
  /** External file keys among the stdio. */
  files: string[];
  /** The namespaces it joined, as CRIU's `--external` values. */
  namespaces: string[];
}

/** Everything checked and gathered before the container is frozen: a refusal leaves it untouched. */
export const planDump = (o: { root: string; rec: ContainerRecord; config: Config; cgroup: CgroupManager; host: ProcessHost }): PlannedDump => {
  const { rec, config, cgroup, host } = o;
  const fail = (why: string): never => {
    throw new Error(`Checkpoint the processes of '${rec.id}': ${why}`);
  };
  const criu = host.criu.version() ?? fail("CRIU is not installed (Debian: apt-get install criu)");
  if (config.process.terminal) fail("it has a terminal (process.terminal): bunker does not hand CRIU the console's other end");
  const freezer = cgroup.layout === "v2" ? cgroup.dirs().find((d) => d.hierarchy === "")?.dir : undefined;
  if (!freezer || !cgroup.path.startsWith("/")) fail(`bunker drives CRIU on cgroup v2 only (this host's layout is ${cgroup.layout})`);
  const mountinfo = host.read(`/proc/${rec.pid}/mountinfo`) ?? fail(`its init (pid ${rec.pid}) is gone`);
  const mounts = mountedExternals(externalMountCandidates(config, rec.bundle, limitsViewDir(o.root, rec.id)), mountinfo).map((m) => m.key);
  const stdio = describeStdio(host, rec.pid, rec.id);
  const namespaces = dumpedNamespaces(joinedNamespaces(config, fail), (t) => host.readlink(namespacePath(rec.pid, t)), (p) => host.stat(p)?.ino, fail);
  return {
    freezer: freezer!,
    files: stdio.flatMap((s) => (s.kind === "file" && s.key ? [s.key] : [])),
    namespaces,
    image: { criu, arch: host.machine, kernel: host.kernel, pid: rec.pid, cgroup: cgroup.path, mounts, stdio },
  };
};

/** Runs the dump into `scratch`/images; returns that directory. Removes `scratch` when CRIU fails. */
export const dumpProcesses = async (host: ProcessHost, plan: PlannedDump, scratch: string): Promise<string> => {
  const images = join(scratch, "images");
  const work = join(scratch, "work");
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(images, { recursive: true, mode: 0o700 });
  mkdirSync(work, { mode: 0o700 });
  try {
    await host.criu.run(
      dumpArgs({
        pid: plan.image.pid,
        images,
        work,
        log: join(work, "dump.log"),
        freezer: plan.freezer,
        cgroupRoot: plan.image.cgroup,
        mounts: plan.image.mounts,
        files: plan.files,
        namespaces: plan.namespaces,
        verbose: debugEnabled(),
      }),
      { log: join(work, "dump.log") },
    );
  } catch (err) {
    rmSync(scratch, { recursive: true, force: true });
    throw err;
  }
  return images;
};
