// `run`: create + start, then (in the foreground) wait, forward signals, and delete.
import { debug } from "../debug.ts";
import type { Config } from "../spec/config.ts";
import { createContainer, type Created, type CreateOptions } from "./create.ts";
import { deleteContainer } from "./delete.ts";
import { startContainer } from "./start.ts";
import { forwardSignals } from "./wait.ts";
import { unwind } from "./unwind.ts";
import { hostEnv, type ContainerEnv } from "./env.ts";

const memoryLimitText = (c: Created): string => {
  const limit = (c.record.config as Config).linux?.resources?.memory?.limit;
  return limit === undefined ? "no limit of its own" : `linux.resources.memory.limit ${limit} bytes`;
};

/**
 * Returns the exit status to report: the program's, or 128 + the signal that killed it. 0 when detached.
 * The journal gets one write for the creation and start, and one for the exit and removal: each is durable before
 * `run` reports it (by returning for -d, by exiting otherwise), at half the syncs of separate commands.
 */
export const runContainer = async (
  opts: CreateOptions & { detach: boolean },
  onWarning: (msg: string) => void,
  env: ContainerEnv = hostEnv,
): Promise<number> => {
  // A container init that its setup stage started (new user + PID namespace) becomes our child to wait for.
  if (!opts.detach) env.processes.becomeSubreaper();
  debug("run: create");
  const created = await createContainer({
    ...opts,
    journal: null,
    console: opts.console ?? (opts.detach ? undefined : "foreground"),
    nullStdio: opts.detach,
  }, env);
  const { stage, record } = created;
  const terminal = created.console?.attach();
  // Before the program can run: a signal meant for it must never take bunker down instead.
  let pid = record.pid;
  let target = env.processes.open(pid, () => env.processes.isAlive(record.pid, record.startTime));
  const stopForwarding = opts.detach ? () => {} : forwardSignals(() => target);
  try {
    debug("run: start");
    // A stage that joined another container's PID namespace spawns the program: it has a PID of its own.
    const started = startContainer(opts.root, opts.id, null, onWarning, env);
    if (started.pid !== pid) {
      pid = started.pid;
      target?.close();
      target = env.processes.open(pid, () => env.processes.isAlive(started.pid, started.startTime));
    }
    env.journal.record(opts.journal, [
      { kind: "created", id: opts.id, bundle: record.bundle, pid: record.pid },
      { kind: "started", id: opts.id, pid: started.pid, startTime: Number(started.startTime) },
      { kind: "desired", id: opts.id, running: true },
    ]);
  } catch (err) {
    stopForwarding();
    target?.close();
    return unwind(err, [() => deleteContainer(opts.root, opts.id, { force: true, journal: null }, onWarning, env)]);
  }
  stage.channel.close();
  if (opts.detach) {
    stage.proc.unref();
    return 0;
  }
  const status = await created.exited(pid).finally(() => {
    stopForwarding();
    target?.close();
  });
  debug("run: exited");
  if (terminal) {
    // The last output may still be in flight: bounded, the terminal closes when the container's last process exits.
    await Promise.race([terminal.done, env.clock.sleep(200)]);
    terminal.stop();
  }
  const oom = created.cgroup.oomKills() > 0;
  if (oom) onWarning(`The container was killed by the OOM killer: its memory limit is too low (${memoryLimitText(created)})`);
  await deleteContainer(opts.root, opts.id, { force: true, journal: null }, onWarning, env);
  env.journal.record(opts.journal, [
    status > 128 ? { kind: "exited", id: opts.id, signal: status - 128 } : { kind: "exited", id: opts.id, status },
    ...(oom ? [{ kind: "oomKilled" as const, id: opts.id }] : []),
    { kind: "desired", id: opts.id, running: false },
    { kind: "deleted", id: opts.id },
  ]);
  debug("run: deleted");
  return status;
};
