// The process part of `bunker restore` for a process checkpoint: CRIU's images come out of the checkpoint file into a
// scratch directory, CRIU puts the process tree back into a container bunker has prepared (state, cgroup, limits
// view), with the container's rootfs as its root, the external mounts bound from this host's paths, bunker's own
// stdio standing in for the dumped pipes and files, and the namespaces its config joins opened from their paths;
// bunker then owns the tree. The caller has restored the bundle.
import { mkdirSync, readFileSync, rmdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { cgroupManager } from "../cgroups/host-manager.ts";
import { limitsViewDir, type ContainerRecord } from "../container/record.ts";
import { CRIU_IMAGES_TREE, type ProcessImage } from "../durable/checkpoint-records.ts";
import type { Config } from "../spec/config.ts";
import { debug, debugEnabled } from "../debug.ts";
import type { CheckpointContents } from "./checkpoint-file.ts";
import { unwind } from "../container/unwind.ts";
import { restoreArgs } from "./criu-args.ts";
import { externalMountCandidates, restoreMounts } from "./criu-mounts.ts";
import { joinedNamespaces } from "./criu-namespaces.ts";
import { inheritedStdio } from "./criu-stdio.ts";
import { scratchDir } from "./process-dump.ts";
import type { ProcessHost } from "./process-host.ts";
import { restoreTree } from "./restore-tree.ts";
import { prepareRestoredContainer } from "./restored-container.ts";

export interface RestoreProcessesOptions {
  root: string;
  id: string;
  /** The bundle, with the checkpoint's config.json and trees already in place. */
  bundle: string;
  config: Config;
  file: string;
  contents: CheckpointContents;
  host: ProcessHost;
}

const failure = (o: { id: string; file: string }) => (why: string): never => {
  throw new Error(`Restore the processes of '${o.id}' from '${o.file}': ${why}`);
};

/**
 * What can be known before anything is touched (the bundle, the root, the cgroups): a refused restore leaves no
 * trace. `config` is the checkpoint's, validated for the bundle it goes to.
 */
export const checkRestorable = (o: Omit<RestoreProcessesOptions, "contents"> & { contents: Pick<CheckpointContents, "process"> }): ProcessImage => {
  const fail = failure(o);
  const image = o.contents.process ?? fail("it is not a process checkpoint");
  if (image.arch !== o.host.machine) fail(`its processes ran on ${image.arch}, this machine is ${o.host.machine}`);
  if (!o.host.criu.version()) fail("CRIU is not installed (Debian: apt-get install criu)");
  const layout = cgroupManager({ cgroupsPath: o.config.linux?.cgroupsPath, id: o.id }).layout;
  if (layout !== "v2") fail(`bunker drives CRIU on cgroup v2 only (this host's layout is ${layout})`);
  restoreMounts(externalMountCandidates(o.config, o.bundle, limitsViewDir(o.root, o.id)), image.mounts);
  for (const j of joinedNamespaces(o.config, fail)) if (!o.host.stat(j.path)) fail(`the ${j.type} namespace '${j.path}' its config joins does not exist here`);
  return image;
};

export const restoreProcesses = async (o: RestoreProcessesOptions): Promise<ContainerRecord> => {
  const fail = failure(o);
  const image = checkRestorable(o);
  const shell = await prepareRestoredContainer({ root: o.root, id: o.id, bundle: o.bundle, config: o.config });
  const scratch = scratchDir(o.file);
  const images = join(scratch, "images");
  const work = join(scratch, "work");
  const mountpoint = shell.rootMount;
  try {
    rmSync(scratch, { recursive: true, force: true });
    mkdirSync(work, { recursive: true, mode: 0o700 });
    restoreTree(o.file, CRIU_IMAGES_TREE, images, { contents: o.contents, durable: false });
    debug("restore: images unpacked");
    const mounts = restoreMounts(externalMountCandidates(o.config, o.bundle, shell.limitsDir), image.mounts);
    const pidFile = join(work, "init.pid");
    const log = join(work, "restore.log");
    const joined = joinedNamespaces(o.config, fail);
    const inherit = [...inheritedStdio(image.stdio), ...joined.map((j, i) => ({ fd: 3 + i, key: j.key }))];
    // CRIU wants its root to be a mount point whose parent is not overmounted: the rootfs bound on a directory of ours.
    mkdirSync(mountpoint);
    const fds: number[] = [];
    try {
      for (const j of joined) fds.push(o.host.open(j.path));
      // Read-only as the container had it: CRIU restores every mount but this one, its root, from the images.
      o.host.bindMount(resolve(o.bundle, o.config.root.path), mountpoint, o.config.root.readonly ?? false);
      debug("restore: root bound, CRIU restores");
      try {
        await o.host.criu.run(
          restoreArgs({ images, work, log, root: mountpoint, pidFile, cgroupRoot: shell.cgroup.path, mounts, inherit, verbose: debugEnabled() }),
          { log, inheritStdio: true, fds },
        );
      } catch (err) {
        await unwind(err, [() => o.host.unmount(mountpoint)]);
      }
      o.host.unmount(mountpoint);
    } finally {
      for (const fd of fds) o.host.close(fd);
      rmdirSync(mountpoint);
    }
    debug("restore: CRIU done");
    const pid = Number(readFileSync(pidFile, "utf8").trim());
    if (!Number.isInteger(pid) || pid < 1) fail(`CRIU's pid file says '${readFileSync(pidFile, "utf8").trim()}'`);
    const adopted = await shell.adopt(pid);
    debug("restore: processes adopted");
    return adopted;
  } catch (err) {
    return shell.abandon(err);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
};
