// The kernel notifications the memory core listens to, set up and torn down per source ("system" or a container):
// PSI triggers through the epoll worker, memory.events (v2) and the v1 eventfds of memory.oom_control and the root's
// memory.pressure_level. Each watch that starts, fails or is lost is recorded.
import { existsSync } from "node:fs";
import type { CgroupFs } from "../cgroups/fs.ts";
import { watchV1 } from "../cgroups/v1/notify.ts";
import { watchMemoryEvents } from "../cgroups/v2/memory-events.ts";
import { describeError } from "../errors.ts";
import type { EpollWatch } from "../watch/epoll.ts";
import type { Watch } from "../watch/watch.ts";
import type { MemoryCgroupPaths } from "./observation.ts";
import { CLASS_PROFILES, SYSTEM_TRIGGERS, triggerText, type MemoryClass, type PsiTrigger } from "./classes.ts";
import type { Recorder } from "./event-log.ts";
import type { Signal } from "./observation.ts";

const SYSTEM_PRESSURE = "/proc/pressure/memory";

export interface WatchDeps {
  fs: CgroupFs;
  /** The epoll worker, shared with the supervisor's pidfd watches. */
  watch: EpollWatch;
  /** cgroup v1: the memory hierarchy's root, whose memory.pressure_level speaks for the whole system. */
  v1Root?: string;
  record: Recorder;
  /** A trigger fired or the system's pressure level changed. */
  signal(s: Signal): void;
  /** memory.events of a container reports an OOM kill. */
  oomKilled(id: string, at: number): void;
  /** cgroup v1: a container's memory.oom_control fired. */
  v1Oom(id: string, memoryDir: string, at: number): void;
}

export class CoreWatches {
  private readonly closers = new Map<string, (() => void)[]>();

  constructor(private readonly d: WatchDeps) {}

  has(source: string): boolean {
    return this.closers.has(source);
  }

  sources(): string[] {
    return [...this.closers.keys()];
  }

  /** The system's PSI triggers, and on v1 the root's vmpressure levels. */
  watchSystem(): void {
    const closers: (() => void)[] = [];
    if (existsSync(this.d.fs.real(SYSTEM_PRESSURE))) for (const t of SYSTEM_TRIGGERS) this.arm("system", SYSTEM_PRESSURE, t);
    if (this.d.v1Root) {
      // vmpressure of the root memory cgroup, local: reclaim for the whole system (a container reclaiming at its own
      // limit is its own business). Medium means reclaim is working hard, critical that the system is about to OOM;
      // they stand in for the some and full triggers v1 kernels may lack.
      for (const [level, kind] of [["medium", "some"], ["critical", "full"]] as const) {
        const w = this.open("system", `memory.pressure_level ${level},local`, () =>
          watchV1(this.d.fs, this.d.v1Root!, { file: "memory.pressure_level", level, mode: "local" }, (at) => this.d.signal({ source: "system", kind, at })),
        );
        if (w) closers.push(w);
      }
    }
    this.closers.set("system", closers);
  }

  /** A running container's class triggers and its OOM notification. */
  watchContainer(id: string, cls: MemoryClass, where: MemoryCgroupPaths): void {
    const closers: (() => void)[] = [];
    this.closers.set(id, closers);
    if ("v2" in where) {
      const pressure = `${where.v2}/memory.pressure`;
      if (this.d.fs.exists(pressure)) for (const t of CLASS_PROFILES[cls].triggers) this.arm(id, pressure, t);
      const w = this.open(id, "memory.events", () =>
        watchMemoryEvents(this.d.fs, where.v2, (ch) => {
          // high and max move all the time under a throttle; the ladder reads pressure from PSI, not from them.
          if (ch.grew.includes("oomKill")) this.d.oomKilled(id, ch.at);
        }),
      );
      if (w) closers.push(w);
    } else {
      const w = this.open(id, "memory.oom_control", () =>
        watchV1(this.d.fs, where.v1.memory, { file: "memory.oom_control" }, (at) => this.d.v1Oom(id, where.v1.memory, at)),
      );
      if (w) closers.push(w);
    }
  }

  unwatch(source: string): void {
    for (const close of this.closers.get(source) ?? []) close();
    this.closers.delete(source);
    for (const label of this.d.watch.labels()) if (label.startsWith(`psi ${source} `)) this.d.watch.disarm(label);
  }

  /** Labels are "psi <source> <kind>"; a trigger fires as a signal from `source`. */
  private arm(source: string, path: string, t: PsiTrigger): void {
    const label = `psi ${source} ${t.kind}${t.look ? " look" : ""}`;
    const container = source;
    try {
      this.d.watch.arm(label, path, triggerText(t), {
        fired: (at) => this.d.signal({ source, kind: t.look ? "look" : t.kind, at }),
        lost: () => this.d.record({ container, action: "watch-lost", outcome: "done", reason: `trigger '${label}' reported an error or hang-up` }),
      });
      this.d.record({ container, action: "watch", outcome: "done", reason: `PSI trigger '${triggerText(t)}' on '${path}'` });
    } catch (err) {
      this.d.record({ container, action: "watch-failed", outcome: "failed", reason: `PSI trigger on '${path}'`, detail: describeError(err) });
    }
  }

  private open(container: string, what: string, open: () => Watch): (() => void) | undefined {
    try {
      const w = open();
      this.d.record({ container, action: "watch", outcome: "done", reason: what });
      return () => w.close();
    } catch (err) {
      this.d.record({ container, action: "watch-failed", outcome: "failed", reason: what, detail: describeError(err) });
      return undefined;
    }
  }
}
