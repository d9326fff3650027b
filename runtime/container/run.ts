// `run`: create + start, then (in the foreground) wait, forward signals, and delete.
import { PR } from "../../ffi/constants.ts";
import { prctl } from "../../ffi/process.ts";
import { createContainer, type CreateOptions } from "./create.ts";
import { deleteContainer } from "./delete.ts";
import { startContainer } from "./start.ts";
import { waitForeground } from "./wait.ts";

/** Returns the exit status to report: the program's, or 128 + the signal that killed it. 0 when detached. */
export const runContainer = async (opts: CreateOptions & { detach: boolean }, onWarning: (msg: string) => void): Promise<number> => {
  // A container init that its setup stage started (new user + PID namespace) becomes our child to wait for.
  if (!opts.detach) prctl(PR.SET_CHILD_SUBREAPER, 1);
  const created = await createContainer({ ...opts, console: opts.console ?? (opts.detach ? undefined : "foreground") });
  const { stage, record } = created;
  const terminal = created.console?.attach();
  try {
    startContainer(opts.root, opts.id, onWarning);
  } catch (err) {
    await deleteContainer(opts.root, opts.id, true).catch(() => {});
    throw err;
  }
  stage.channel.close();
  if (opts.detach) {
    stage.proc.unref();
    return 0;
  }
  const status = await waitForeground(record.pid, created.exited());
  if (terminal) {
    // The last output may still be in flight: bounded, the terminal closes when the container's last process exits.
    await Promise.race([terminal.done, Bun.sleep(200)]);
    terminal.stop();
  }
  await deleteContainer(opts.root, opts.id, true, onWarning);
  return status;
};
