// What a setup stage says, checked by the parent where it enters (see messages.ts for why it lives apart).
import { Type } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import type { StageMessage } from "./messages.ts";

export const StageMessageSchema = Type.Union([
  Type.Object({ t: Type.Literal("userns-ready"), pid: Type.Integer() }),
  Type.Object({ t: Type.Literal("init-spawned"), pid: Type.Integer() }),
  Type.Object({ t: Type.Literal("mounts-ready") }),
  Type.Object({ t: Type.Literal("ready"), pid: Type.Integer() }),
  Type.Object({ t: Type.Literal("spawned"), pid: Type.Integer() }),
  Type.Object({
    t: Type.Literal("failed"),
    step: Type.String(),
    message: Type.String(),
    call: Type.Optional(Type.String()),
    errno: Type.Optional(Type.String()),
  }),
]);

export const decodeStage = (line: string): StageMessage => {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    v = undefined;
  }
  if (!Value.Check(StageMessageSchema, v)) throw new Error(`Malformed message from the setup stage: ${line.slice(0, 200)}`);
  return v as StageMessage;
};
