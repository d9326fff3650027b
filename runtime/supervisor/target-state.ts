// The device's target state: what services it must run, each from a digest-pinned image or a bundle directory, with
// its overrides, dependencies, health check and stop behaviour. One TypeBox schema with defaults, checked where the
// document enters (`bunker apply`, the daemon's socket, the journal), every error naming its JSON pointer.
import { Type, type Static } from "@sinclair/typebox";
import { isIP } from "node:net";
import { isAbsolute } from "node:path";
import { MemoryClassSchema } from "../memory/classes.ts";
import { DURATION_PATTERN, SIZE_PATTERN, parseDuration } from "../units.ts";
import { parseSignal } from "../spec/signals.ts";
import { decode } from "../spec/validate.ts";
import { InvalidDocumentError, parseJson } from "../spec/json-text.ts";
import type { Problem } from "../spec/config.ts";
import { networkAnnotations, ServiceNetwork } from "../network/service-network.ts";
import { dependencyCycle } from "./dependency-order.ts";

/** Service names become container IDs, cgroup and file names; '.' is kept for the instance suffix. */
export const SERVICE_NAME_PATTERN = "^[a-z0-9][a-z0-9_-]{0,62}$";
const VOLUME_NAME_PATTERN = "^[a-z0-9][a-z0-9_.-]{0,127}$";
/** An image reference pinned by digest: what runs is exactly what was signed and pulled. */
export const IMAGE_REF_PATTERN = "^[a-z0-9][a-z0-9._/:-]*@sha256:[0-9a-f]{64}$";

const Duration = (fallback: string, description: string) => Type.String({ pattern: DURATION_PATTERN, default: fallback, description });
const Size = (description: string) => Type.String({ pattern: SIZE_PATTERN, description });
const AbsolutePath = (description: string) => Type.String({ minLength: 1, maxLength: 4096, description });
const Name = Type.String({ pattern: SERVICE_NAME_PATTERN });

export const HealthCheckSchema = Type.Object(
  {
    exec: Type.Optional(Type.Array(Type.String(), { minItems: 1, description: "Command run inside the container; healthy when it exits 0" })),
    tcp: Type.Optional(
      Type.Object(
        {
          port: Type.Integer({ minimum: 1, maximum: 65535 }),
          host: Type.String({ default: "127.0.0.1", description: "Address connected to, in the service's network namespace" }),
        },
        { additionalProperties: false, description: "Healthy when a TCP connection to host:port is accepted" },
      ),
    ),
    interval: Duration("30s", "Time between two checks (Docker's HEALTHCHECK --interval)"),
    timeout: Duration("30s", "A check taking longer fails"),
    retries: Type.Integer({ minimum: 1, default: 3, description: "Failures in a row after which the service is unhealthy" }),
    startPeriod: Duration("0s", "Time after the start during which failures do not count"),
    startInterval: Duration("5s", "Time between checks during the start period"),
  },
  { additionalProperties: false, description: "Exactly one of exec and tcp" },
);
export type HealthCheck = Static<typeof HealthCheckSchema>;

export const RestartSchema = Type.Object(
  {
    policy: Type.Union([Type.Literal("no"), Type.Literal("on-failure"), Type.Literal("always")], {
      default: "on-failure",
      description: "After an exit (or a failed health check): never restart, after a failure, or always",
    }),
    backoff: Duration("1s", "First restart delay, doubled per restart inside the window"),
    backoffMax: Duration("1m", "Longest restart delay"),
    limit: Type.Integer({ minimum: 0, default: 5, description: "Restarts inside the window; one more exit is a crash loop and the daemon gives up" }),
    window: Duration("10m", "Window of the limit and of the backoff count"),
  },
  { additionalProperties: false, default: {} },
);

export const ServiceSchema = Type.Object(
  {
    image: Type.Optional(Type.String({ pattern: IMAGE_REF_PATTERN, maxLength: 512, description: "Image reference pinned by digest: name@sha256:<64 hex>" })),
    bundle: Type.Optional(AbsolutePath("OCI bundle directory (config.json and its rootfs)")),
    args: Type.Optional(Type.Array(Type.String(), { minItems: 1, description: "Replaces process.args" })),
    env: Type.Optional(Type.Record(Type.String({ pattern: "^[A-Za-z_][A-Za-z0-9_]*$" }), Type.String(), { description: "Set or replaced in process.env" })),
    cwd: Type.Optional(AbsolutePath("Replaces process.cwd")),
    user: Type.Optional(
      Type.Object(
        { uid: Type.Integer({ minimum: 0 }), gid: Type.Integer({ minimum: 0 }), additionalGids: Type.Optional(Type.Array(Type.Integer({ minimum: 0 }))) },
        { additionalProperties: false },
      ),
    ),
    mounts: Type.Array(
      Type.Object(
        { source: AbsolutePath("Host path"), destination: AbsolutePath("Path in the container"), readonly: Type.Boolean({ default: false }) },
        { additionalProperties: false },
      ),
      { default: [], description: "Bind mounts of host paths" },
    ),
    volumes: Type.Array(
      Type.Object(
        { name: Type.String({ pattern: VOLUME_NAME_PATTERN }), destination: AbsolutePath("Path in the container"), readonly: Type.Boolean({ default: false }) },
        { additionalProperties: false },
      ),
      { default: [], description: "Named volumes: directories kept across updates and restarts" },
    ),
    memory: Type.Object(
      {
        class: Type.Union(MemoryClassSchema.anyOf, { default: "normal", description: MemoryClassSchema.description }),
        limit: Type.Optional(Size("Memory limit (64M, 1G)")),
        swap: Type.Optional(Type.String({ pattern: `${SIZE_PATTERN}|^max$`, description: "Swap allowance: a size, 0 or max" })),
        reclaim: Type.Optional(Type.Union([Type.Literal("on"), Type.Literal("off")], { description: "Proactive reclaim (default by class)" })),
      },
      { additionalProperties: false, default: {} },
    ),
    cpu: Type.Optional(
      Type.Object(
        {
          cpus: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1024, description: "CPU time as a number of CPUs (0.5: half of one)" })),
          shares: Type.Optional(Type.Integer({ minimum: 2, maximum: 262144 })),
          cpuset: Type.Optional(Type.String({ pattern: "^[0-9][0-9,-]*$" })),
        },
        { additionalProperties: false },
      ),
    ),
    pids: Type.Optional(Type.Object({ limit: Type.Integer({ minimum: 1 }) }, { additionalProperties: false })),
    restart: RestartSchema,
    dependsOn: Type.Record(
      Name,
      Type.Object(
        { condition: Type.Union([Type.Literal("started"), Type.Literal("healthy")], { default: "started" }) },
        { additionalProperties: false, default: {} },
      ),
      { default: {}, additionalProperties: false, description: "Services that must be started (or healthy) before this one starts" },
    ),
    healthCheck: Type.Optional(HealthCheckSchema),
    stopSignal: Type.String({ default: "SIGTERM", maxLength: 16 }),
    stopGracePeriod: Duration("10s", "Time from the stop signal to SIGKILL"),
    logs: Type.Object(
      { maxBytes: Type.String({ pattern: SIZE_PATTERN, default: "128K", description: "Flash the service's log may take (two generations)" }) },
      { additionalProperties: false, default: {} },
    ),
    network: Type.Optional(ServiceNetwork),
    strategy: Type.Union([Type.Literal("stop-then-start"), Type.Literal("start-then-stop")], {
      default: "stop-then-start",
      description: "How a changed service is replaced: old one stopped first, or new one started (and healthy) first",
    }),
  },
  { additionalProperties: false },
);
export type Service = Static<typeof ServiceSchema>;

export const TargetStateSchema = Type.Object(
  {
    device: Type.String({ pattern: "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", description: "The device's name" }),
    version: Type.String({ minLength: 1, maxLength: 128, description: "Version of this target (what status and OTA report)" }),
    services: Type.Record(Name, ServiceSchema, { additionalProperties: false, maxProperties: 64 }),
  },
  { $id: "https://bunker.invalid/schemas/target-state.json", title: "bunker target state", additionalProperties: false },
);
export type TargetState = Static<typeof TargetStateSchema>;

const escape = (key: string): string => key.replace(/~/g, "~0").replace(/\//g, "~1");

/** Rules the schema cannot say, in document order. */
export const targetProblems = (t: TargetState): Problem[] => {
  const out: Problem[] = [];
  for (const [name, s] of Object.entries(t.services)) {
    const at = `/services/${name}`;
    if ((s.image === undefined) === (s.bundle === undefined)) out.push({ pointer: at, detail: "Needs exactly one of 'image' and 'bundle'" });
    if (s.bundle !== undefined && !isAbsolute(s.bundle)) out.push({ pointer: `${at}/bundle`, detail: `Not an absolute path: '${s.bundle}'` });
    if (s.cwd !== undefined && !isAbsolute(s.cwd)) out.push({ pointer: `${at}/cwd`, detail: `Not an absolute path: '${s.cwd}'` });
    const destinations = new Map<string, string>();
    for (const [list, entries] of [["mounts", s.mounts], ["volumes", s.volumes]] as const)
      entries.forEach((m, i) => {
        const p = `${at}/${list}/${i}`;
        if ("source" in m && !isAbsolute(m.source)) out.push({ pointer: `${p}/source`, detail: `Not an absolute path: '${m.source}'` });
        if (!isAbsolute(m.destination)) out.push({ pointer: `${p}/destination`, detail: `Not an absolute path: '${m.destination}'` });
        const seen = destinations.get(m.destination);
        if (seen) out.push({ pointer: `${p}/destination`, detail: `'${m.destination}' is already the destination of ${seen}` });
        destinations.set(m.destination, p);
      });
    try {
      parseSignal(s.stopSignal);
    } catch {
      out.push({ pointer: `${at}/stopSignal`, detail: `Unknown signal '${s.stopSignal}'` });
    }
    if (parseDuration(s.restart.backoffMax) < parseDuration(s.restart.backoff))
      out.push({ pointer: `${at}/restart/backoffMax`, detail: `Shorter than backoff ('${s.restart.backoff}')` });
    const h = s.healthCheck;
    if (h && (h.exec === undefined) === (h.tcp === undefined)) out.push({ pointer: `${at}/healthCheck`, detail: "Needs exactly one of 'exec' and 'tcp'" });
    // The check connects from inside the service's network namespace, where no name service is asked.
    if (h?.tcp && !isIP(h.tcp.host)) out.push({ pointer: `${at}/healthCheck/tcp/host`, detail: `Not an IP address: '${h.tcp.host}'` });
    if (s.network)
      try {
        networkAnnotations(s.network);
      } catch (err) {
        out.push({ pointer: `${at}/network`, detail: (err as Error).message });
      }
    for (const [dep, d] of Object.entries(s.dependsOn)) {
      const other = t.services[dep];
      if (!other) out.push({ pointer: `${at}/dependsOn/${escape(dep)}`, detail: `No service '${dep}' in /services` });
      else if (d.condition === "healthy" && !other.healthCheck)
        out.push({ pointer: `${at}/dependsOn/${dep}/condition`, detail: `'healthy' needs a healthCheck on service '${dep}'` });
    }
  }
  const cycle = dependencyCycle(new Map(Object.entries(t.services).map(([n, s]) => [n, Object.keys(s.dependsOn).filter((d) => d in t.services)])));
  if (cycle) out.push({ pointer: `/services/${cycle[0]}/dependsOn`, detail: `Dependency cycle: ${cycle.join(" -> ")}` });
  return out;
};

/** Names that the schema would only call an "Unexpected property": said plainly, before the schema runs. */
const nameProblem = (raw: unknown): Problem | undefined => {
  const services = (raw as { services?: unknown } | null)?.services;
  if (services === null || typeof services !== "object" || Array.isArray(services)) return undefined;
  const re = new RegExp(SERVICE_NAME_PATTERN);
  for (const name of Object.keys(services)) {
    if (!re.test(name)) return { pointer: `/services/${escape(name)}`, detail: `Not a service name: use a-z, 0-9, '-' and '_', at most 63 characters` };
    const deps = (services as Record<string, { dependsOn?: unknown }>)[name]?.dependsOn;
    if (deps && typeof deps === "object" && !Array.isArray(deps))
      for (const dep of Object.keys(deps)) if (!re.test(dep)) return { pointer: `/services/${name}/dependsOn/${escape(dep)}`, detail: `No service '${dep}' in /services` };
  }
  return undefined;
};

export interface DecodedTarget {
  target: TargetState;
  /** Each service as written, before defaults: what its spec hash covers (a bunker update adding a default must not
   * make every service look changed). */
  written: Record<string, unknown>;
}

/** Checks a parsed target state document; throws one InvalidDocumentError naming the field. */
export const decodeTarget = (json: unknown, file = "target state"): DecodedTarget => {
  const bad = nameProblem(json);
  if (bad) throw new InvalidDocumentError(file, bad.pointer, bad.detail);
  const services = (json as { services?: unknown } | null)?.services;
  const written = services && typeof services === "object" ? (structuredClone(services) as Record<string, unknown>) : {};
  // Defaults go into a copy: the caller's document stays as written.
  const target = decode(TargetStateSchema, structuredClone(json), file);
  const [first] = targetProblems(target);
  if (first) throw new InvalidDocumentError(file, first.pointer, first.detail);
  return { target, written };
};

export const parseTarget = (text: string, file = "target state"): DecodedTarget => decodeTarget(parseJson(text, file), file);
