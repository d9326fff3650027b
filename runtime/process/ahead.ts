// A setup stage started ahead of need: `create` and `run` start theirs before they load their modules and check the
// config, so that the stage loads while bunker does (runtime/cli/launch-ahead.ts). The next spawn with the same options
// takes it; any other lets it go. The stage knows nothing of the container until its plan comes.
import { procTakesPidns } from "../../ffi/mount.ts";
import { debug } from "../debug.ts";
import { readConfig } from "../spec/json-text.ts";
import { spawnStage, type SpawnOptions, type StageProcess } from "./spawn-stage.ts";
import { setupSpawnOptions, uncheckedLaunch } from "./stage-launch.ts";

let ahead: { key: string; stage: StageProcess } | undefined;

const keyOf = (o: SpawnOptions): string => JSON.stringify([o.pid, o.stageName, o.env ?? {}, o.stdio ?? null, o.oomScoreAdj ?? null]);

/** Starts the setup stage of the bundle in `bundleDir`; does nothing when its config.json cannot say how yet. */
export const launchAhead = (bundleDir: string): void => {
  let document: unknown;
  try {
    document = readConfig(bundleDir);
  } catch {
    return; // the command's own read reports it
  }
  const unchecked = uncheckedLaunch(document, procTakesPidns);
  if (!unchecked) return;
  const o = setupSpawnOptions(unchecked.launch, unchecked.oomScoreAdj);
  try {
    const stage = spawnStage(o);
    // Until taken it must not keep bunker alive: it waits for bunker, and exits when bunker's end of its channel closes.
    stage.proc.unref();
    ahead = { key: keyOf(o), stage };
    debug("stage started ahead");
  } catch {
    // The command's own spawn fails the same way, and says why.
  }
};

/** The stage started ahead when it was started as `o` asks; otherwise that one is killed and a new one spawned. */
export const spawnOrTakeAhead = (o: SpawnOptions): StageProcess => {
  const taken = ahead;
  ahead = undefined;
  if (taken && !o.handOver && !o.executable && taken.key === keyOf(o)) {
    taken.stage.proc.ref();
    return taken.stage;
  }
  if (taken) {
    taken.stage.proc.kill(9);
    taken.stage.channel.close();
  }
  return spawnStage(o);
};
