// The deterministic workloads of the board power cuts: the guest runs them, the host replays them to check.
import type { LifecycleChange } from "../../runtime/durable/lifecycle.ts";

const IDS = 10;

/** Change number `n` (from 1) of an endless, always valid sequence; the host replays it to know each state. */
export const changeAt = (n: number): LifecycleChange => {
  const id = `c${(n - 1) % IDS}`;
  if (n <= IDS) return { kind: "created", id, bundle: `/opt/bundles/${id}` };
  const round = Math.floor((n - 1) / IDS);
  switch (round % 4) {
    case 1:
      return { kind: "started", id, pid: 100 + n, startTime: n * 10 };
    case 2:
      return { kind: "exited", id, status: n % 256 };
    case 3:
      return { kind: "restarted", id, count: round };
    default:
      return { kind: "resourcesUpdated", id, resources: `{"memory":{"limit":${n * 4096}}}` };
  }
};

/** The content of file `n` of the checkpoint workload: 96 KiB, so each spans two chunks. */
export const ckptData = (n: number): string => `checkpoint ${n}\n`.padEnd(96 * 1024, String.fromCharCode(97 + (n % 26)));
