// What the service manager did and saw, one JSON line each: a target accepted, a step begun and ended, a health
// change, an exit, a crash loop. Kept beside the memory core's events in the state root (tmpfs: no flash writes),
// bounded the same way.
import { Type, type Static } from "@sinclair/typebox";
import { posix } from "node:path";

export const ServiceEventSchema = Type.Object({
  time: Type.String({ description: "ISO 8601 time" }),
  /** A service name, or "device" for a target or the daemon itself. */
  service: Type.String(),
  instance: Type.Optional(Type.String()),
  event: Type.Union(["target", "step", "health", "exit", "crash-loop", "recovered", "warning", "ota"].map((e) => Type.Literal(e))),
  outcome: Type.Optional(Type.Union(["begun", "done", "failed"].map((o) => Type.Literal(o)))),
  detail: Type.String(),
});
export type ServiceEvent = Static<typeof ServiceEventSchema>;

export const serviceEventLogPath = (root: string): string => posix.join(root, ".events", "services.jsonl");
