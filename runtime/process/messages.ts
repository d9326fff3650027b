// The setup stage and its parent talk in newline-delimited JSON messages over two pipes.
import { Type, type Static } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";

/** Stage -> parent. Named for intent: what the stage has done, or why it failed. */
export const StageMessage = Type.Union([
  Type.Object({ t: Type.Literal("userns-ready"), pid: Type.Integer() }),
  /** With a new user and PID namespace: the stage made the PID namespace and started its init (host PID), which
   * takes over the channel and wants the plan again. */
  Type.Object({ t: Type.Literal("init-spawned"), pid: Type.Integer() }),
  Type.Object({ t: Type.Literal("mounts-ready") }),
  Type.Object({ t: Type.Literal("ready"), pid: Type.Integer() }),
  Type.Object({
    t: Type.Literal("failed"),
    step: Type.String(),
    message: Type.String(),
    call: Type.Optional(Type.String()),
    errno: Type.Optional(Type.String()),
  }),
]);
export type StageMessage = Static<typeof StageMessage>;

/** Parent -> stage. The plan comes first; "continue" answers userns-ready (maps written) and mounts-ready (hooks ran). */
export const ParentMessage = Type.Union([
  Type.Object({ t: Type.Literal("plan"), plan: Type.Unknown() }),
  Type.Object({ t: Type.Literal("continue") }),
]);
export type ParentMessage = Static<typeof ParentMessage>;

export const encode = (m: StageMessage | ParentMessage): Uint8Array => Buffer.from(`${JSON.stringify(m)}\n`);

export const decodeStage = (line: string): StageMessage => {
  const v: unknown = JSON.parse(line);
  if (!Value.Check(StageMessage, v)) throw new Error(`Malformed message from the setup stage: ${line.slice(0, 200)}`);
  return v;
};

export const decodeParent = (line: string): ParentMessage => {
  const v: unknown = JSON.parse(line);
  if (!Value.Check(ParentMessage, v)) throw new Error(`Malformed message from the parent: ${line.slice(0, 200)}`);
  return v;
};
