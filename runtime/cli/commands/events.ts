import { Type } from "@sinclair/typebox";
import { OomEventSchema, StatsEventSchema, streamEvents } from "../../container/events.ts";
import { followMemoryEvents } from "../../memory/event-follow.ts";
import { eventLogPath, MemoryEventLineSchema, type MemoryEventLine } from "../../memory/event-log.ts";
import { exactJson } from "../../exact-json.ts";
import { parseDuration } from "../../units.ts";
import { UsageError, type Command } from "../command.ts";
import { flagBool, flagString } from "../parse.ts";

/** runc's --interval: a Go duration ("5s", "500ms", "1m30s"), longer than zero. */
export const parseInterval = (text: string): number => {
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch {
    throw new UsageError(`--interval takes a duration such as '5s' or '500ms', not '${text}'`);
  }
  if (ms <= 0) throw new UsageError(`--interval must be longer than zero, not '${text}'`);
  return ms;
};

/** One line of `events` (docs/schemas/events.schema.json): the container's own events and the memory core's. */
export const EventSchema = Type.Union([StatsEventSchema, OomEventSchema, MemoryEventLineSchema]);

export const command: Command = {
  name: "events",
  summary: "print a container's statistics, OOM events and memory-core actions as JSON lines, as runc does",
  args: "<container-id>",
  arity: [1, 1],
  flags: [
    { name: "interval", kind: "string", value: "DURATION", help: "time between stats events (default 5s)" },
    { name: "stats", kind: "bool", help: "print the statistics once and exit" },
  ],
  async run(g, a) {
    const stop = new AbortController();
    const onSignal = (): void => stop.abort();
    process.once("SIGINT", onSignal).once("SIGTERM", onSignal);
    const id = a.positional[0]!;
    const follow = (emit: (e: MemoryEventLine) => void) => followMemoryEvents(eventLogPath(g.root), id, (data) => emit({ type: "memory", id, data }));
    try {
      await streamEvents(
        g.root,
        id,
        { intervalMs: parseInterval(flagString(a, "interval") ?? "5s"), once: flagBool(a, "stats"), signal: stop.signal, follow },
        (e) => process.stdout.write(`${exactJson(e)}\n`),
      );
    } finally {
      process.off("SIGINT", onSignal).off("SIGTERM", onSignal);
    }
    return 0;
  },
};
