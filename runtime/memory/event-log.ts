// Every action of the memory core is one event: what, to whom, why, at what pressure, how long after the kernel's
// signal. The daemon appends them as JSON lines to a bounded file (rare writes: only actions, never samples).
import { Type, type Static } from "@sinclair/typebox";
import { appendFileSync, renameSync, statSync } from "node:fs";
import { posix } from "node:path";
import { MemoryClassSchema } from "./classes.ts";

export const MemoryEventSchema = Type.Object({
  time: Type.String({ description: "ISO 8601 time of the action" }),
  /** A container id, or "system" for the core's own events (trigger set-up, lost triggers). */
  container: Type.String(),
  class: Type.Optional(MemoryClassSchema),
  action: Type.Union(
    ["reclaim", "throttle", "freeze", "kill", "release", "restart", "give-up", "exit", "kernel-oom-kill", "oom-grant", "oom-kill-process", "watch", "watch-failed", "watch-lost", "plan-failed", "adopt-hold"].map((a) =>
      Type.Literal(a),
    ),
  ),
  outcome: Type.Union([Type.Literal("done"), Type.Literal("skipped"), Type.Literal("failed")]),
  reason: Type.String(),
  detail: Type.Optional(Type.String()),
  level: Type.Optional(Type.Union(["calm", "tight", "severe", "critical"].map((l) => Type.Literal(l)))),
  pressure: Type.Optional(
    Type.Object({
      someAvg10: Type.Optional(Type.Number()),
      fullAvg10: Type.Optional(Type.Number()),
      memAvailable: Type.Optional(Type.Integer()),
      memoryCurrent: Type.Optional(Type.Integer()),
    }),
  ),
  /** The kernel notification that led here: "system some", "system look", "<id> full", "<id> oom"... */
  signal: Type.Optional(Type.String()),
  /** Milliseconds from that notification reaching bunker to the action being issued. */
  latencyMs: Type.Optional(Type.Number()),
  /** Milliseconds the action itself took (a throttle or reclaim write reclaims inside the kernel). */
  durationMs: Type.Optional(Type.Number()),
});
export type MemoryEvent = Static<typeof MemoryEventSchema>;

/** The `events` line of an action of the memory core (`bunker daemon`) on a container: throttle, freeze, kill... */
export const MemoryEventLineSchema = Type.Object({ type: Type.Literal("memory"), id: Type.String(), data: MemoryEventSchema });
export type MemoryEventLine = Static<typeof MemoryEventLineSchema>;

export type EventSink<T = MemoryEvent> = (e: T) => void;

/** Records an event as of now: the time stamped, fields left undefined left out. */
export type Recorder = (e: Omit<MemoryEvent, "time">) => void;

export const recorder = (sink: EventSink, now: () => number): Recorder => (e) => {
  const clean = Object.fromEntries(Object.entries(e).filter(([, v]) => v !== undefined)) as Omit<MemoryEvent, "time">;
  sink({ time: new Date(now()).toISOString(), ...clean });
};

/** Where the daemon keeps its event log: a hidden entry of the root, which is never taken for a container. */
export const eventLogPath = (root: string): string => posix.join(root, ".events", "memory.jsonl");

/** Appends events to `path`; past `maxBytes` the file becomes `<path>.1` (one generation kept), so flash sees bounded writes. */
export const fileEventSink = <T = MemoryEvent>(path: string, maxBytes = 256 * 1024): EventSink<T> => {
  let size = 0;
  try {
    size = statSync(path).size;
  } catch {
    // Not there yet: the first append creates it.
  }
  return (e) => {
    const line = `${JSON.stringify(e)}\n`;
    if (size + line.length > maxBytes && size > 0) {
      renameSync(path, `${path}.1`);
      size = 0;
    }
    appendFileSync(path, line);
    size += line.length;
  };
};
