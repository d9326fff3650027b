// The cases every engine runs, once through bunker and once through runc in the same run, against daemons the suite
// starts itself. The last case stops them and fails on anything left behind.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { cgroupFigures, containerCgroupDirs } from "../support/engines/cgroups.ts";
import { waitFor } from "../support/engines/daemon.ts";
import { enginesSkipReason, RUNTIMES } from "../support/engines/runtimes.ts";
import type { Engine } from "./engine.ts";

const MiB = 1024 * 1024;
const SIGUSR1 = 10;
const SIGTERM = 15;

/** Whether `pid` has a handler for `signal` (so that a signal sent now is not lost before the shell's trap). */
const catches = (pid: number, signal: number): boolean => {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").match(/^SigCgt:\s*([0-9a-f]+)$/m);
  return !!line && (BigInt(`0x${line[1]}`) & (1n << BigInt(signal - 1))) !== 0n;
};

const trapLoop = (signal: string, code: number): string[] => ["sh", "-c", `trap 'exit ${code}' ${signal}; while :; do sleep 0.1; done`];

export interface SuiteOptions {
  /** Commands the suite needs besides runc, umoci and skopeo. */
  tools: string[];
  /**
   * What the engine does not offer, each with why (printed): no stop or update case is defined; without an OOM
   * report the OOM case checks the kernel's count in the container's cgroup only.
   */
  unsupported?: { stop?: string; update?: string; oomReport?: string };
}

export const engineSuite = (engineName: string, { tools, unsupported = {} }: SuiteOptions, setup: () => Promise<Engine>): void => {
  const skip = enginesSkipReason(tools);
  if (skip) console.log(`SKIP engines/${engineName}: ${skip}`);

  describe.skipIf(!!skip)(engineName, () => {
    let engine: Engine | undefined;
    let tornDown = false;
    beforeAll(async () => {
      engine = await setup();
    });
    afterAll(async () => {
      if (engine && !tornDown) {
        const left = await engine.teardown();
        if (left.length) console.error(`${engineName}: left behind (now removed):\n  ${left.join("\n  ")}`);
      }
    });
    const e = (): Engine => {
      if (!engine) throw new Error(`${engineName} did not start`);
      return engine;
    };

    for (const rt of RUNTIMES) {
      describe(`through ${rt.name}`, () => {
        const id = (c: string): string => `${rt.name}-${c}`;
        /** Runs `body` on a container that is removed afterwards whatever happens. */
        const withContainer = async (c: string, body: (name: string) => Promise<void> | void): Promise<void> => {
          try {
            await body(id(c));
          } finally {
            e().remove(rt, id(c));
          }
        };

        test("run prints the program's output and exits with its status", () => {
          const r = e().run(rt, id("run"), ["sh", "-c", "echo hi; exit 3"]);
          expect(r.stdout).toBe("hi\n");
          expect(r.code).toBe(3);
        });

        test("exec in a detached container returns its output and exit status", () =>
          withContainer("exec", (name) => {
            e().start(rt, name, ["sleep", "1000"]);
            const r = e().exec(rt, name, ["sh", "-c", "echo in; exit 5"]);
            expect(r.stdout).toBe("in\n");
            expect(r.code).toBe(5);
          }));

        test("-t gives the process a terminal", () => {
          const r = e().run(rt, id("tty"), ["tty"], { tty: true });
          // What `tty` printed ends the output. Through ctr it passes two terminals (the container's, then the one
          // `script` gives ctr), which turn its newline into \r\r\n and echo ctr's end of input before it.
          expect(r.stdout).toMatch(/\/dev\/pts\/\d+\r*\n$/);
          expect(r.code).toBe(0);
        });

        test("kill delivers the signal to the container's init", () =>
          withContainer("kill", async (name) => {
            const pid = e().start(rt, name, trapLoop("USR1", 42));
            expect(await waitFor(() => catches(pid, SIGUSR1), 10_000)).toBe(true);
            expect(e().kill(rt, name, "SIGUSR1").code).toBe(0);
            expect(await e().wait(rt, name)).toBe(42);
          }));

        if (unsupported.stop) console.log(`${engineName} through ${rt.name}: no stop case: ${unsupported.stop}`);
        else
          test("stop sends SIGTERM first, then SIGKILL once the grace period is over", async () => {
            await withContainer("stop-term", async (name) => {
              const pid = e().start(rt, name, trapLoop("TERM", 7));
              expect(await waitFor(() => catches(pid, SIGTERM), 10_000)).toBe(true);
              expect(e().stop(rt, name, 20).code).toBe(0);
              expect(await e().wait(rt, name)).toBe(7);
            });
            await withContainer("stop-kill", async (name) => {
              // PID 1 of a namespace ignores SIGTERM without a handler: only the SIGKILL after the grace period ends it.
              e().start(rt, name, ["sleep", "1000"]);
              expect(e().stop(rt, name, 1).code).toBe(0);
              expect(await e().wait(rt, name)).toBe(137);
            });
          });

        test("pause freezes the container's cgroup and resume thaws it", () =>
          withContainer("pause", (name) => {
            const pid = e().start(rt, name, ["sleep", "1000"]);
            expect(e().pause(rt, name).code).toBe(0);
            expect(e().status(rt, name)).toBe("paused");
            expect(cgroupFigures(pid).freezer).toBe("FROZEN");
            expect(e().resume(rt, name).code).toBe(0);
            expect(e().status(rt, name)).toBe("running");
            expect(cgroupFigures(pid).freezer).toBe("THAWED");
            expect(e().exec(rt, name, ["true"]).code).toBe(0);
          }));

        if (unsupported.oomReport) console.log(`${engineName} through ${rt.name}: the OOM case checks the kernel's count only: ${unsupported.oomReport}`);
        test("a memory hog over its limit is OOM-killed in the container's cgroup and the engine reports it", () =>
          withContainer("oom", async (name) => {
            // The hog is the shell's child and the shell lives on for a second after it, so that the kill is counted
            // while the cgroup exists, and an engine that stops watching when the init exits has seen the event.
            const pid = e().start(rt, name, ["sh", "-c", "sleep 1; tail /dev/zero; s=$?; sleep 1; exit $s"], { memory: 32 * MiB });
            expect(await waitFor(() => cgroupFigures(pid).oomKills > 0, 10_000)).toBe(true);
            expect(await e().wait(rt, name)).toBe(137);
            if (!unsupported.oomReport) expect(await e().oomKilled(rt, name)).toBe(true);
          }));

        if (unsupported.update) console.log(`${engineName} through ${rt.name}: no update case: ${unsupported.update}`);
        else
          test("update changes the memory limit of the container's cgroup", () =>
            withContainer("update", (name) => {
              const pid = e().start(rt, name, ["sleep", "1000"], { memory: 32 * MiB });
              expect(cgroupFigures(pid).memoryLimit).toBe(32 * MiB);
              expect(e().update(rt, name, 48 * MiB).code).toBe(0);
              expect(cgroupFigures(pid).memoryLimit).toBe(48 * MiB);
            }));

        test("stats show the figures of the container's own cgroup", () =>
          withContainer("stats", async (name) => {
            const pid = e().start(rt, name, ["sh", "-c", "sleep 1000 & sleep 1000 & wait"], { memory: 32 * MiB });
            expect(await waitFor(() => cgroupFigures(pid).pids === 3, 10_000)).toBe(true);
            const s = await e().stats(rt, name);
            expect({ limit: s.memoryLimit, pids: s.pids }).toEqual({ limit: 32 * MiB, pids: 3 });
            expect(s.memoryUsage).toBeGreaterThan(0);
            expect(s.memoryUsage).toBeLessThanOrEqual(32 * MiB);
          }));

        test("remove deletes the runtime's state and the container's cgroups", () =>
          withContainer("rm", async (name) => {
            const pid = e().start(rt, name, ["sleep", "1000"]);
            const dirs = containerCgroupDirs(pid, e().cgroupParent);
            expect(dirs.length).toBeGreaterThan(0);
            const state = e().stateDir(rt, name);
            expect(existsSync(state)).toBe(true);
            expect(e().kill(rt, name, "SIGKILL").code).toBe(0);
            expect(await e().wait(rt, name)).toBe(137);
            expect(e().remove(rt, name).code).toBe(0);
            expect(existsSync(state)).toBe(false);
            expect(dirs.filter((d) => existsSync(d))).toEqual([]);
          }));
      });
    }

    test("stopping the daemons leaves nothing behind", async () => {
      tornDown = true;
      expect(await e().teardown()).toEqual([]);
    });
  });
};
