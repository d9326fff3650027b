// `events`: runc's JSON-lines stream for one container: {"type":"stats",...} every interval (or once), and
// {"type":"oom",...} as soon as the kernel OOM-kills inside it, plus what another source reports about the container
// meanwhile (the CLI adds the memory core's actions). Ends when the container stops or `signal` aborts.
import { Type, type Static } from "@sinclair/typebox";
import { CgroupStatsSchema } from "../cgroups/stats.ts";
import { containerCgroup } from "./container-cgroup.ts";
import { readRecord } from "./record.ts";
import { statusOf } from "./status.ts";

export const StatsEventSchema = Type.Object({ type: Type.Literal("stats"), id: Type.String(), data: CgroupStatsSchema });
export const OomEventSchema = Type.Object({ type: Type.Literal("oom"), id: Type.String() });
export type ContainerEvent = Static<typeof StatsEventSchema> | Static<typeof OomEventSchema>;

export interface EventOptions<E> {
  /** Milliseconds between stats events. */
  intervalMs: number;
  /** One stats event, then return. */
  once: boolean;
  signal?: AbortSignal;
  /** Another source of events about the container, followed for as long as the stream lasts. */
  follow?: (emit: (e: E) => void) => { close(): void };
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

export const streamEvents = async <E = never>(root: string, id: string, opts: EventOptions<E>, emit: (e: ContainerEvent | E) => void): Promise<void> => {
  const { cgroup } = containerCgroup(root, id, ["created", "running", "paused"], "watch events of");
  const stats = (): void => emit({ type: "stats", id, data: cgroup.stats() });
  if (opts.once) return stats();
  const watch = cgroup.watchOom(() => emit({ type: "oom", id }));
  const other = opts.follow?.(emit);
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
    other?.close();
  }
};
