// A user namespace with given maps, as a descriptor, for idmapped mounts. Only a process can make one and have its
// maps written, so the parent starts a copy of bunker that holds one (userns-holder.ts), writes the maps, opens
// /proc/PID/ns/user and lets the copy go.
import { O } from "../../ffi/constants.ts";
import { open } from "../../ffi/fd.ts";
import type { LinuxIDMapping } from "../spec/config.ts";
import { EARLY_ENV, encodeEarly } from "./early.ts";
import { writeIdMaps } from "./id-maps.ts";
import { spawnStage } from "./spawn-stage.ts";
import { USERNS_HOLDER } from "./stage-env.ts";
import { decodeStage } from "./stage-messages.ts";

/** An O_RDONLY descriptor of a new user namespace with these maps; the process that made it is gone on return. */
export const userNamespaceWith = (uids: readonly LinuxIDMapping[], gids: readonly LinuxIDMapping[]): number => {
  const holder = spawnStage({ pid: null, stageName: USERNS_HOLDER, env: { [EARLY_ENV]: encodeEarly([{ kind: "new-user" }]) } });
  try {
    const line = holder.channel.receive();
    const msg = line === undefined ? undefined : decodeStage(line);
    if (msg?.t !== "userns-ready") throw new Error(`Making a user namespace failed: ${msg?.t === "failed" ? msg.message : "the helper exited"}`);
    writeIdMaps(holder.proc.pid, uids, gids);
    return open(`/proc/${holder.proc.pid}/ns/user`, O.RDONLY | O.CLOEXEC);
  } finally {
    holder.channel.close();
    holder.proc.kill(9);
  }
};
