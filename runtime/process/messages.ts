// The setup stage and its parent talk in newline-delimited JSON messages, over a unix socket to the stage (the plan
// carries the host files' descriptors) and a pipe back. The types live here, with what the stage needs; the check of
// what a stage says is the parent's (stage-messages.ts).

/** Stage -> parent. Named for intent: what the stage has done, or why it failed. */
export type StageMessage =
  | { t: "userns-ready"; pid: number }
  /** With a new user and PID namespace: the stage made the PID namespace and started its init (host PID), which
   * takes over the channel and wants the plan again. */
  | { t: "init-spawned"; pid: number }
  | { t: "mounts-ready" }
  | { t: "ready"; pid: number }
  /** A stage that entered an existing container started the program (host PID) and exits. */
  | { t: "spawned"; pid: number }
  | { t: "failed"; step: string; message: string; call?: string; errno?: string };

/** Parent -> stage. The plan comes first; "continue" answers userns-ready (maps written) and mounts-ready (hooks ran). */
export type ParentMessage = { t: "plan"; plan: unknown } | { t: "continue" };

export const encode = (m: StageMessage | ParentMessage): Uint8Array => Buffer.from(`${JSON.stringify(m)}\n`);

/** The parent is bunker itself: a shape check is enough to catch a mixed-up channel. */
export const decodeParent = (line: string): ParentMessage => {
  const v = JSON.parse(line) as Partial<ParentMessage> | null;
  if (v?.t === "continue" || (v?.t === "plan" && typeof v.plan === "object" && v.plan !== null)) return v as ParentMessage;
  throw new Error(`Malformed message from the parent: ${line.slice(0, 200)}`);
};
