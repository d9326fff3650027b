// What a setup stage says, checked by the parent where it enters. A hand check of six small shapes: TypeBox costs
// milliseconds to load, and every `create`, `start` and `exec` reads these lines.
import type { StageMessage } from "./messages.ts";

const WITH_PID = new Set(["userns-ready", "init-spawned", "ready", "spawned"]);

const optionalString = (v: unknown): boolean => v === undefined || typeof v === "string";

const isStageMessage = (v: unknown): v is StageMessage => {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return false;
  const m = v as Record<string, unknown>;
  if (typeof m.t !== "string") return false;
  if (WITH_PID.has(m.t)) return Number.isInteger(m.pid);
  if (m.t === "mounts-ready") return true;
  return m.t === "failed" && typeof m.step === "string" && typeof m.message === "string" && optionalString(m.call) && optionalString(m.errno);
};

export const decodeStage = (line: string): StageMessage => {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    v = undefined;
  }
  if (!isStageMessage(v)) throw new Error(`Malformed message from the setup stage: ${line.slice(0, 200)}`);
  return v;
};
