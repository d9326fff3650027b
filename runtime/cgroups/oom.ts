// OOM notification without polling, on the cgroup watches the memory core also uses for its ladder.
// v1: an eventfd on memory.oom_control, signalled when the cgroup hits OOM (before the victim is killed, so the
// oom_kill count may not have moved yet) and when the cgroup is removed; every signal while the cgroup exists is an
// OOM, as in runc. v2: memory.events, marked modified after a counter moved; an OOM is a rise of oom_kill.
import { watchMemoryEvents } from "./v2/memory-events.ts";
import { watchV1 } from "./v1/notify.ts";
import type { Watch } from "../watch/watch.ts";
import type { CgroupFs } from "./fs.ts";

export const watchOomV1 = (fs: CgroupFs, dir: string, onOom: () => void): Watch =>
  watchV1(fs, dir, { file: "memory.oom_control" }, () => {
    if (fs.exists(dir)) onOom();
  });

export const watchOomV2 = (fs: CgroupFs, dir: string, onOom: () => void): Watch =>
  watchMemoryEvents(fs, dir, (c) => {
    if (c.grew.includes("oomKill")) onOom();
  });
