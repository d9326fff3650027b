// The target state as the planner reads it: per service its spec hash, dependencies, restart policy and strategy,
// with durations in milliseconds. Built once per accepted target, so the planner itself reads no file.
import type { RestartPolicy } from "../memory/policy.ts";
import { parseDuration } from "../units.ts";
import { parseSignal } from "../spec/signals.ts";
import type { Service, TargetState } from "./target-state.ts";

export interface DesiredService {
  name: string;
  hash: string;
  spec: Service;
  dependsOn: { name: string; condition: "started" | "healthy" }[];
  restart: RestartPolicy;
  stopSignal: number;
  stopGraceMs: number;
}

export interface Desired {
  device: string;
  version: string;
  services: ReadonlyMap<string, DesiredService>;
}

export const restartPolicyOf = (s: Service): RestartPolicy => ({
  mode: s.restart.policy,
  backoffMs: parseDuration(s.restart.backoff),
  backoffMaxMs: parseDuration(s.restart.backoffMax),
  limit: s.restart.limit,
  windowMs: parseDuration(s.restart.window),
});

/** `hashes`: each service's spec hash (see spec-hash.ts), computed where its referenced files can be read. */
export const desiredOf = (t: TargetState, hashes: ReadonlyMap<string, string>): Desired => ({
  device: t.device,
  version: t.version,
  services: new Map(
    Object.entries(t.services).map(([name, spec]) => {
      const hash = hashes.get(name);
      if (!hash) throw new Error(`Plan service '${name}': its spec hash is missing`);
      return [
        name,
        {
          name, hash, spec,
          dependsOn: Object.entries(spec.dependsOn).map(([dep, d]) => ({ name: dep, condition: d.condition })),
          restart: restartPolicyOf(spec),
          stopSignal: parseSignal(spec.stopSignal),
          stopGraceMs: parseDuration(spec.stopGracePeriod),
        },
      ];
    }),
  ),
});
