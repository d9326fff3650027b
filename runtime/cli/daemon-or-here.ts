// The commands a running daemon answers (apply, status, ota apply, ota status): asked on the root's control socket;
// when no daemon listens there, done here by the command itself. A daemon that refuses is an error, never a reason to
// do it here instead.
import { askDaemon, controlSocketPath, type ControlRequest } from "../supervisor/control-socket.ts";

export const daemonOrHere = async <T>(root: string, request: ControlRequest, here: () => T | Promise<T>): Promise<{ by: "daemon" | "here"; result: T }> => {
  const reply = await askDaemon(controlSocketPath(root), request);
  if (reply === undefined) return { by: "here", result: await here() };
  if (!reply.ok) throw new Error(reply.error);
  return { by: "daemon", result: reply.result as T };
};
