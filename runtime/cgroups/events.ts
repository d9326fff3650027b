// `events`: runc's JSON-lines stream for one container: {"type":"stats",...} every interval (or once), and
// {"type":"oom",...} as soon as the kernel OOM-kills inside it, and {"type":"memory",...} for each action the memory
// core takes on it. Ends when the container stops or `signal` aborts.
import { Type, type Static } from "@sinclair/typebox";
import { readRecord } from "../container/record.ts";
import { statusOf } from "../container/status.ts";
import { containerCgroup } from "./of-container.ts";
import { CgroupStatsSchema } from "./stats.ts";
import { followMemoryEvents } from "../memory/event-follow.ts";
import { eventLogPath, MemoryEventSchema } from "../memory/event-log.ts";

export const EventSchema = Type.Union([
  Type.Object({ type: Type.Literal("stats"), id: Type.String(), data: CgroupStatsSchema }),
  Type.Object({ type: Type.Literal("oom"), id: Type.String() }),
  /** An action of the memory core (`bunker daemon`) on this container: throttle, freeze, kill, restart... */
  Type.Object({ type: Type.Literal("memory"), id: Type.String(), data: MemoryEventSchema }),
]);
export type Event = Static<typeof EventSchema>;

export interface EventOptions {
  /** Milliseconds between stats events. */
  intervalMs: number;
  /** One stats event, then return. */
  once: boolean;
  signal?: AbortSignal;
}

/** Resolves after `ms`, or at once when `signal` aborts; leaves no listener behind either way. */
const sleep = (ms: number, signal: AbortSignal | undefined): Promise<void> =>
  new Promise((done) => {
    const finish = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", finish);
      done();
    };
    const timer = setTimeout(finish, ms);
    signal?.addEventListener("abort", finish, { once: true });
  });

export const streamEvents = async (root: string, id: string, opts: EventOptions, emit: (e: Event) => void): Promise<void> => {
  const { cgroup } = containerCgroup(root, id, ["created", "running", "paused"], "watch events of");
  const stats = (): void => emit({ type: "stats", id, data: cgroup.stats() });
  if (opts.once) return stats();
  const watch = cgroup.watchOom(() => emit({ type: "oom", id }));
  const memory = followMemoryEvents(eventLogPath(root), id, (data) => emit({ type: "memory", id, data }));
  try {
    stats();
    // One timer wake-up per interval; the OOM notification needs none.
    while (!opts.signal?.aborted) {
      await sleep(opts.intervalMs, opts.signal);
      if (opts.signal?.aborted || statusOf(root, readRecord(root, id)) === "stopped") break;
      stats();
    }
  } finally {
    watch.close();
    memory.close();
  }
};
