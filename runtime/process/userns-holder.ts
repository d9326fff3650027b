// The stage side of userns-fd.ts: a copy of bunker that made a new user namespace first thing (early.ts) says so and
// waits until the parent, having written the maps and opened the namespace, closes the channel.
import { realSyscalls } from "../../ffi/syscalls.ts";
import { describeError } from "../errors.ts";
import { LineChannel } from "./channel.ts";
import { encode } from "./messages.ts";
import { STAGE_FDS } from "./spawn-stage.ts";

export const holdUserNamespace = (earlyError: Error | undefined): never => {
  const channel = new LineChannel(realSyscalls, STAGE_FDS.fromParent, STAGE_FDS.toParent);
  channel.send(encode(earlyError ? { t: "failed", step: "unshare user namespace", message: describeError(earlyError) } : { t: "userns-ready", pid: process.pid }));
  while (channel.receive() !== undefined);
  process.exit(0);
};
