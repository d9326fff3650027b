// `run`: create + start, then (in the foreground) wait, forward signals, and delete.
import { createContainer, type CreateOptions } from "./create.ts";
import { deleteContainer } from "./delete.ts";
import { startContainer } from "./start.ts";
import { waitForeground } from "./wait.ts";

/** Returns the exit status to report: the program's, or 128 + the signal that killed it. 0 when detached. */
export const runContainer = async (opts: CreateOptions & { detach: boolean }, onWarning: (msg: string) => void): Promise<number> => {
  const { stage } = await createContainer(opts);
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
  const status = await waitForeground(stage.proc);
  await deleteContainer(opts.root, opts.id, true, onWarning);
  return status;
};
