// What `bunker status --json` prints: one document for fleet scripts, the device's target version and each service's
// desired and actual state, health, restarts, last exit, memory class and current memory, uptime and network.
import { Type, type Static } from "@sinclair/typebox";
import { MemoryClassSchema } from "../memory/classes.ts";
import { OtaState } from "../durable/ota-records.ts";
import { NetworkView } from "../network/view.ts";
import { VERDICTS } from "./planner.ts";

const Literals = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)));

export const ServiceStatusSchema = Type.Object({
  name: Type.String(),
  desired: Literals(["running", "absent"] as const),
  actual: Literals(["absent", "creating", "created", "running", "paused", "stopped"] as const),
  /** The container running the service, `<name>.<first 12 hex of its spec hash>`. */
  instance: Type.Optional(Type.String()),
  /** What the last plan said of the service, and why. */
  verdict: Type.Optional(Literals(VERDICTS)),
  reason: Type.Optional(Type.String()),
  health: Literals(["none", "starting", "healthy", "unhealthy", "unknown"] as const),
  healthDetail: Type.Optional(Type.String()),
  /** Restarts by the daemon since it started. */
  restarts: Type.Integer({ minimum: 0 }),
  lastExit: Type.Optional(Type.Object({ status: Type.Integer(), at: Type.String(), killedBy: Type.Optional(Type.String()) })),
  memory: Type.Object({ class: MemoryClassSchema, currentBytes: Type.Optional(Type.Integer({ minimum: 0 })) }),
  uptimeS: Type.Optional(Type.Number({ minimum: 0 })),
  /** The instance's network, as `bunker state` shows it. */
  network: Type.Optional(NetworkView),
});
export type ServiceStatus = Static<typeof ServiceStatusSchema>;

export const DeviceStatusSchema = Type.Object(
  {
    device: Type.Optional(Type.String()),
    /** Version of the target the device works towards (absent: no target applied yet). */
    version: Type.Optional(Type.String()),
    daemon: Type.Object({ running: Type.Boolean(), pid: Type.Optional(Type.Integer()), uptimeS: Type.Optional(Type.Number()) }),
    /** The last apply left nothing to do and no service waits (for a dependency or a restart): the target is reached. */
    converged: Type.Boolean(),
    /** A step the journal shows begun and not ended (a daemon stopped in the middle of it). */
    interruptedStep: Type.Optional(Type.Object({ service: Type.String(), action: Type.String(), detail: Type.String() })),
    /** Steps whose last try failed, with why. */
    failures: Type.Array(Type.Object({ service: Type.String(), step: Type.String(), error: Type.String() })),
    services: Type.Array(ServiceStatusSchema),
    /** The last over-the-air update: its phase, each service's outcome and the reason of each rollback. */
    update: Type.Optional(OtaState),
  },
  { $id: "https://bunker.invalid/schemas/status.json", title: "bunker status" },
);
export type DeviceStatus = Static<typeof DeviceStatusSchema>;
