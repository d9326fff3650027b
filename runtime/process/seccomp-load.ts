// The setup stage's side of seccomp: the listener reached while its path is still visible, the filter loaded at the
// end, and for SCMP_ACT_NOTIFY the notify fd handed to the listener with the container process state over
// SCM_RIGHTS (runtime-spec config-linux.md, as runc's seccomp agent protocol does: one message per connection).
import { readlinkSync } from "node:fs";
import type { Syscalls } from "../../ffi/syscalls.ts";
import type { SeccompStep } from "./plan.ts";

export interface SeccompListener {
  fd: number;
  /** The stage's PID as the runtime sees it, which the state carries. */
  pid: number;
}

/** Connects to the listener before the root switch hides its path. /proc is still the host's: it names the host PID. */
export const connectSeccompListener = (sys: Pick<Syscalls, "connectUnix">, path: string): SeccompListener => ({
  fd: sys.connectUnix(path),
  pid: Number(readlinkSync("/proc/self")),
});

/** The container process state the listener receives; `created`: the program has not been executed yet. */
const processState = (step: SeccompStep, stateJson: string, pid: number): Uint8Array => {
  const state = { ...(JSON.parse(stateJson) as { ociVersion: string }), pid, status: "created" };
  const metadata = step.listener?.metadata;
  return Buffer.from(JSON.stringify({ ociVersion: state.ociVersion, fds: ["seccompFd"], pid, ...(metadata == null ? {} : { metadata }), state }));
};

/** Everything decoded before the filter goes in, so that as few calls as possible run under it. */
export const prepareSeccomp = (step: SeccompStep, stateJson: string, listener: SeccompListener | null) => {
  const program = Buffer.from(step.program, "base64");
  const message = listener ? processState(step, stateJson, listener.pid) : null;
  return (sys: Pick<Syscalls, "loadSeccompFilter" | "sendFd" | "close">): void => {
    const fd = sys.loadSeccompFilter(program, step.flags);
    if (!listener || !message) return;
    try {
      sys.sendFd(listener.fd, fd, message);
    } finally {
      sys.close(fd);
      sys.close(listener.fd);
    }
  };
};
