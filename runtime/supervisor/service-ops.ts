// The executors' primitives on the real device: a service instance is a container of the state root, created from
// its service config (service-config.ts) with its stdout and stderr on the service's log pipes, started, stopped
// with its stop signal and grace period, and deleted. Every lifecycle change goes into the state journal as the
// container commands record them.
import { mkdirSync, openSync, closeSync, rmSync, existsSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../durable/atomic-file.ts";
import { createContainer, type Created } from "../container/create.ts";
import { deleteContainer } from "../container/delete.ts";
import { isAlive } from "../container/proc.ts";
import { readRecord, stateDir } from "../container/record.ts";
import { signalContainer } from "../container/signal.ts";
import { startContainer } from "../container/start.ts";
import type { ExitRecord } from "../memory/restart.ts";
import type { NetworkEnv } from "../network/env.ts";
import { loadConfig } from "../spec/config.ts";
import type { DesiredService } from "./desired.ts";
import type { ImageBundles } from "./image-bundles.ts";
import { openContainerOutput } from "./output-fifos.ts";
import type { ServicePaths } from "./service-paths.ts";
import { serviceConfig, volumePath } from "./service-config.ts";
import type { InstanceOps } from "./steps.ts";

export interface ServiceOpsDeps {
  root: string;
  journal: string | null;
  paths: ServicePaths;
  images: ImageBundles;
  /** Where networking lives (CNI plugins, config lists, the result cache); the defaults when absent. */
  network?: NetworkEnv;
  warn(msg: string): void;
  /** A new instance runs: the daemon follows its exit (the exit status of its own child). */
  started?(id: string, exited: Promise<number>): void;
}

/** How long a SIGKILLed init may take to go before the stop counts as failed. */
const KILL_WAIT_MS = 5000;

const waitGone = async (pid: number, startTime: string, ms: number): Promise<boolean> => {
  // Polled only while a stop is in progress: an idle daemon has no timer here.
  for (const end = Date.now() + ms; Date.now() < end; await Bun.sleep(20)) if (!isAlive(pid, startTime)) return true;
  return !isAlive(pid, startTime);
};

export const hostInstanceOps = (d: ServiceOpsDeps): InstanceOps => {
  const created = new Map<string, Created>();
  return {
    async create(s, id) {
      const bundle = s.spec.bundle ?? (await d.images.bundleFor(s.spec.image!, id));
      const config = serviceConfig(loadConfig(bundle), s, d.paths.volumes);
      for (const v of s.spec.volumes) mkdirSync(volumePath(d.paths.volumes, v.name), { recursive: true, mode: 0o755 });
      const dir = join(d.paths.bundles, id);
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      writeFileAtomic(join(dir, "config.json"), JSON.stringify(config), { mode: 0o600 });
      const out = openContainerOutput(d.paths.output(s.name));
      const stdin = openSync("/dev/null", "r");
      try {
        created.set(id, await createContainer({ root: d.root, id, bundle: dir, journal: d.journal, stdio: [stdin, out.stdout, out.stderr], ...(d.network ? { network: d.network } : {}) }));
      } finally {
        for (const fd of [stdin, out.stdout, out.stderr]) closeSync(fd);
      }
    },
    async start(_s: DesiredService, id) {
      startContainer(d.root, id, d.journal, d.warn);
      const c = created.get(id);
      created.delete(id);
      if (!c) return;
      c.stage.channel.close();
      // A service outlives the command that started it (`apply` without a daemon); its exit is still reported.
      c.stage.proc.unref();
      d.started?.(id, c.exited());
    },
    async stop(id, signal, graceMs): Promise<ExitRecord | undefined> {
      if (!existsSync(stateDir(d.root, id))) return undefined;
      const rec = readRecord(d.root, id);
      if (!isAlive(rec.pid, rec.startTime)) return undefined;
      signalContainer(d.root, id, signal, false);
      if (await waitGone(rec.pid, rec.startTime, graceMs)) return { at: Date.now(), status: 128 + signal };
      signalContainer(d.root, id, 9, true);
      if (!(await waitGone(rec.pid, rec.startTime, KILL_WAIT_MS))) throw new Error(`Stop instance '${id}': pid ${rec.pid} still runs ${KILL_WAIT_MS} ms after SIGKILL`);
      return { at: Date.now(), status: 137 };
    },
    async remove(id) {
      created.delete(id);
      if (existsSync(stateDir(d.root, id))) await deleteContainer(d.root, id, { force: true, journal: d.journal }, d.warn);
      rmSync(join(d.paths.bundles, id), { recursive: true, force: true });
      d.images.release(id);
    },
  };
};
