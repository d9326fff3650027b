import { formatBytes } from "../../units.ts";
import { daemonOrHere } from "../daemon-or-here.ts";
import { statusHere } from "../../supervisor/local-services.ts";
import type { DeviceStatus, ServiceStatus } from "../../supervisor/status.ts";
import type { Command } from "../command.ts";
import { warn } from "../report.ts";
import { table } from "../table.ts";

const row = (s: ServiceStatus): string[] => [
  s.name,
  s.desired,
  s.actual,
  s.health,
  String(s.restarts),
  s.lastExit ? `${s.lastExit.status}${s.lastExit.killedBy ? ` (${s.lastExit.killedBy})` : ""}` : "-",
  s.memory.class,
  s.memory.currentBytes === undefined ? "-" : formatBytes(s.memory.currentBytes),
  s.uptimeS === undefined ? "-" : `${Math.round(s.uptimeS)}s`,
  s.verdict && s.verdict !== "untouched" ? `${s.verdict}: ${s.reason}` : "",
];

const text = (d: DeviceStatus): string =>
  [
    `device ${d.device ?? "-"}, target version ${d.version ?? "none"}, daemon ${d.daemon.running ? `running (pid ${d.daemon.pid}, up ${Math.round(d.daemon.uptimeS ?? 0)}s)` : "not running"}`,
    ...(d.interruptedStep ? [`interrupted: ${d.interruptedStep.detail}`] : []),
    ...d.failures.map((f) => `failed: ${f.step}: ${f.error}`),
    table(["SERVICE", "DESIRED", "ACTUAL", "HEALTH", "RESTARTS", "LAST EXIT", "CLASS", "MEMORY", "UPTIME", "NOTE"], d.services.map(row)),
  ].join("\n");

export const command: Command = {
  name: "status",
  summary: "the device's target version and each service's state, health, restarts, last exit, memory and uptime",
  args: "",
  arity: [0, 0],
  flags: [{ name: "json", kind: "bool", help: "print one JSON document (schema: docs/schemas/status.schema.json)" }],
  description: "Asks the daemon on the root's socket; without one, reports what the journal and the state root show (health unknown).",
  async run(g) {
    const { result: status } = await daemonOrHere<DeviceStatus>(g.root, { op: "status" }, () => statusHere({ root: g.root, journal: g.journal, images: g.images, warn: (m) => warn(g, m) }));
    console.log(g.json ? JSON.stringify(status) : text(status));
    return 0;
  },
};
