// One health check of a running instance, as Docker's HEALTHCHECK runs it: a command inside the container (healthy
// when it exits 0), or a TCP connect from inside the container's network namespace (healthy when accepted). A check
// that outlives its timeout fails and is killed.
import { closeSync, openSync } from "node:fs";
import { CLONE, O } from "../../ffi/constants.ts";
import { close, open } from "../../ffi/fd.ts";
import { setns } from "../../ffi/namespace.ts";
import { kill } from "../../ffi/process.ts";
import { execInContainer, execProcess, type Execed } from "../container/exec.ts";
import { readRecord } from "../container/record.ts";
import { describeError } from "../errors.ts";
import type { Config } from "../spec/config.ts";
import type { HealthCheck } from "./target-state.ts";

export interface CheckResult {
  ok: boolean;
  detail: string;
}

export interface HealthProbe {
  check(instance: string, h: HealthCheck, timeoutMs: number): Promise<CheckResult>;
}

const execCheck = async (root: string, id: string, args: string[], timeoutMs: number): Promise<CheckResult> => {
  const config = readRecord(root, id).config as Config;
  // The check's output is not kept: its status says it all, and the service's log stays the service's.
  const devNull = openSync("/dev/null", "r+");
  let run: Execed;
  try {
    // Not detached: the check's program becomes the daemon's to wait for, which is how its status reaches us.
    run = await execInContainer({ root, id, process: execProcess(config, { args }), detach: false, stdio: [devNull, devNull, devNull] });
  } finally {
    closeSync(devNull);
  }
  const exited = run.exited();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      kill(run.pid, 9);
    } catch {
      // It ended meanwhile.
    }
  }, timeoutMs);
  const status = await exited;
  clearTimeout(timer);
  if (timedOut) return { ok: false, detail: `'${args.join(" ")}' timed out after ${timeoutMs} ms` };
  return { ok: status === 0, detail: `'${args.join(" ")}' exited with status ${status}` };
};

/** The instance's network namespace, when it has one of its own. */
const netnsOf = (config: Config, pid: number): string | undefined => {
  const ns = config.linux?.namespaces?.find((n) => n.type === "network");
  return ns ? (ns.path ?? `/proc/${pid}/ns/net`) : undefined;
};

/**
 * Bun makes a socket in the network namespace of the thread that asks for it, at once: the main thread enters the
 * container's namespace just for the connect call and returns, as spawn-stage.ts does for PID namespaces.
 */
const tcpCheck = async (root: string, id: string, tcp: NonNullable<HealthCheck["tcp"]>, timeoutMs: number): Promise<CheckResult> => {
  const rec = readRecord(root, id);
  const where = `${tcp.host}:${tcp.port}`;
  const netns = netnsOf(rec.config as Config, rec.pid);
  return new Promise<CheckResult>((resolve) => {
    let settle = (r: CheckResult): void => {
      settle = () => {};
      clearTimeout(timer);
      resolve(r);
    };
    const timer = setTimeout(() => settle({ ok: false, detail: `connect to ${where} timed out after ${timeoutMs} ms` }), timeoutMs);
    const connect = (): void => {
      Bun.connect({
        hostname: tcp.host,
        port: tcp.port,
        socket: {
          open(sock) {
            sock.end();
            settle({ ok: true, detail: `connected to ${where}` });
          },
          data() {},
          connectError: (_s, err) => settle({ ok: false, detail: `connect to ${where}: ${err.message}` }),
          error: (_s, err) => settle({ ok: false, detail: `connect to ${where}: ${err.message}` }),
        },
      }).catch((err: unknown) => settle({ ok: false, detail: `connect to ${where}: ${describeError(err)}` }));
    };
    if (!netns) return connect();
    const self = open("/proc/self/ns/net", O.RDONLY | O.CLOEXEC);
    try {
      const theirs = open(netns, O.RDONLY | O.CLOEXEC);
      try {
        setns(theirs, CLONE.NEWNET, `'${netns}'`);
      } finally {
        close(theirs);
      }
      try {
        connect();
      } finally {
        setns(self, CLONE.NEWNET, "the daemon's network namespace");
      }
    } catch (err) {
      settle({ ok: false, detail: `connect to ${where}: ${describeError(err)}` });
    } finally {
      close(self);
    }
  });
};

export const hostHealthProbe = (root: string): HealthProbe => ({
  async check(instance, h, timeoutMs) {
    try {
      return h.exec ? await execCheck(root, instance, h.exec, timeoutMs) : await tcpCheck(root, instance, h.tcp!, timeoutMs);
    } catch (err) {
      return { ok: false, detail: describeError(err) };
    }
  },
});
