// Power cuts at every write of a whole update, on the fault storage: the state journal, the documents beside it and
// the image store share one disk; the images come from OCI archives in memory (imported, so a cut inside a blob
// resumes), the service manager is a simulated device whose running set is lost with the power and rebuilt at boot
// from the journaled target (as `bunker daemon` does). The update runs once to count its writes, then for each write
// N and each failure model it runs again with the power cut after write N, the disk is taken as the next boot
// would find it, the device boots (an update cut after its switch began is rolled back, one cut before resumes),
// and then:
// - the running set is exactly the old set, the new set, or the documented mix after a per-service rollback, as the
//   journal's last update record says, and it is what the journaled target says;
// - no update is left in progress; every blob of the store is whole (0 corrupt or zero-length blobs);
// - the last-known-good pins and document agree with what runs after a commit;
// - no target the update applied ever changed a service the update does not change (0 restarts of unchanged ones);
// - an update that ended refused or rolled back by the cut, applied again, ends as the uncut run did.
import { createPublicKey, type KeyObject } from "node:crypto";
import { FAILURE_MODELS, FaultStorage, PowerCut, type FailureModel } from "../../../../runtime/durable/fault-storage.ts";
import { openStateJournal, type StateJournal } from "../../../../runtime/durable/journal.ts";
import type { OtaState } from "../../../../runtime/durable/ota-records.ts";
import { describeError } from "../../../../runtime/errors.ts";
import { silentProgress } from "../../../../image/progress.ts";
import { importImage } from "../../../../image/sources/import.ts";
import type { ImageStore } from "../../../../image/store/store.ts";
import { verifyStore } from "../../../../image/store/verify.ts";
import { generateKey, signPayload } from "../../../../runtime/supervisor/ota-keys.ts";
import { journalOta, otaFiles } from "../../../../runtime/supervisor/ota-journal.ts";
import { applyUpdate, imageRefs, pendingUpdate, resumeRollsBack, resumeUpdate, rollbackTarget, type OtaDeps, type OtaImages, type OtaServices } from "../../../../runtime/supervisor/ota-update.ts";
import { resolveTarget } from "../../../../runtime/supervisor/resolve-target.ts";
import type { GateResult } from "../../../../runtime/supervisor/service-manager.ts";
import { parseTarget, type TargetState } from "../../../../runtime/supervisor/target-state.ts";
import { chunked } from "../../../support/tar-writer.ts";
import { openFaultStore } from "../../fakes/image-store.ts";
import { layoutArchive, storeProblems } from "../../image/cut-harness.ts";

const JOURNAL = "/j";
const NOW = 1_800_000_000_000;
const PLATFORM = { os: "linux", architecture: "arm64" } as const;

/** healthy: committed; one-fails: web crash-loops, rolled back alone (partial); all-back: the same with rollback: all. */
export type Scenario = "healthy" | "one-fails" | "all-back";
export const SCENARIOS: readonly Scenario[] = ["healthy", "one-fails", "all-back"];

interface Fixture {
  key: { privatePem: string; keyid: string };
  trust: Map<string, KeyObject>;
  archives: Map<string, Uint8Array>;
  /** ref -> name@digest as the target pins it */
  refs: Map<string, string>;
  base: FaultStorage;
}

const serviceOf = (image: string, env: Record<string, string> = {}) => ({ image, args: ["sh", "-c", "sleep 1000"], env });

/** Imports both images once into a scratch store to learn their digests; the device starts with v1 installed. */
const fixture = async (): Promise<Fixture> => {
  const archives = new Map([["example.com/app:1", layoutArchive("example.com/app:1", 0)], ["example.com/app:2", layoutArchive("example.com/app:2", 2)]]);
  const scratch = new FaultStorage();
  const refs = new Map<string, string>();
  const store = openFaultStore(scratch);
  try {
    for (const [name, a] of archives) {
      await importImage({ store, source: "-", stdin: () => chunked(a, 4096), platform: PLATFORM, progress: silentProgress });
      refs.set(name, `example.com/app@${store.index.images.find((i) => i.name === name)!.digest}`);
    }
  } finally {
    store.close();
  }
  const key = generateKey("ed25519");
  const trust = new Map([[key.keyid, createPublicKey(key.publicPem)]]);
  // The installed device: v1 imported and its target journaled (as `bunker apply` or an earlier update left it).
  const disk = new FaultStorage();
  const s = openFaultStore(disk);
  try {
    await importImage({ store: s, source: "-", stdin: () => chunked(archives.get("example.com/app:1")!, 4096), platform: PLATFORM, progress: silentProgress });
  } finally {
    s.close();
  }
  const j = openStateJournal(JOURNAL, disk);
  j.record({ kind: "target", file: "install", version: "1", document: JSON.stringify(oldTarget(refs)) });
  j.close();
  return { key, trust, archives, refs, base: new FaultStorage(disk.afterCut("drop", 0)) };
};

const oldTarget = (refs: Map<string, string>): TargetState =>
  ({ device: "sim", version: "1", services: { web: serviceOf(refs.get("example.com/app:1")!), api: serviceOf(refs.get("example.com/app:1")!), worker: serviceOf(refs.get("example.com/app:1")!) } }) as unknown as TargetState;

const newTarget = (refs: Map<string, string>, scenario: Scenario): TargetState =>
  ({
    device: "sim", version: "2",
    services: {
      web: serviceOf(refs.get("example.com/app:2")!, scenario === "healthy" ? {} : { CRASH: "1" }),
      api: serviceOf(refs.get("example.com/app:1")!, { MODE: "new" }),
      worker: serviceOf(refs.get("example.com/app:1")!),
    },
  }) as unknown as TargetState;

const hashesOf = (doc: string): Map<string, string> => new Map([...resolveTarget(parseTarget(doc)).services].map(([n, s]) => [n, s.hash]));

const same = (a: Map<string, string>, b: Map<string, string>): boolean => a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);

/** The service manager of a device: applying a target journals it and makes the running set its services. */
class SimDevice {
  running = new Map<string, string>();
  /** Targets applied in which a service the update does not change had another spec. */
  readonly violations: string[] = [];

  constructor(
    private readonly journal: () => StateJournal,
    private readonly unchanged: Map<string, string>,
  ) {}

  converge(doc: string): void {
    this.running = hashesOf(doc);
  }

  services(): OtaServices {
    return {
      apply: async (document, file) => {
        const t = JSON.parse(document) as TargetState;
        const j = this.journal();
        try {
          j.record({ kind: "target", file, version: t.version, document });
        } finally {
          j.close();
        }
        const h = hashesOf(document);
        for (const [name, hash] of this.unchanged) if (h.get(name) !== hash) this.violations.push(`${file}: '${name}' would change`);
        this.converge(document);
        return { device: t.device, version: t.version, plan: { steps: [], services: [] } };
      },
      gate: async (service): Promise<GateResult> => {
        const target = this.target();
        const env = (JSON.parse(target!) as TargetState).services[service]?.env ?? {};
        return env.CRASH ? { service, outcome: "crash-loop", detail: "exited 5 times in 10m" } : { service, outcome: "running" };
      },
      target: () => this.target(),
    };
  }

  target(): string | undefined {
    const j = this.journal();
    try {
      return j.state().target?.document;
    } finally {
      j.close();
    }
  }
}

const simImages = (storage: FaultStorage, f: Fixture): OtaImages => {
  const byRef = new Map([...f.refs].map(([name, ref]) => [ref, name]));
  const withStore = async <T>(fn: (s: ImageStore) => Promise<T> | T): Promise<T> => {
    const s = openFaultStore(storage);
    try {
      return await fn(s);
    } finally {
      s.close();
    }
  };
  const digest = (ref: string) => ref.slice(ref.indexOf("@") + 1);
  const stored = (s: ImageStore, ref: string) => s.index.images.some((i) => i.digest === digest(ref));
  return {
    // The store's own budget check is the integration test's; here the disk never fills.
    budget: (_refs, what) => withStore((s) => void s.requireSpace([], what)),
    fetch: (ref) =>
      withStore(async (s) => {
        if (!stored(s, ref)) await importImage({ store: s, source: "-", stdin: () => chunked(f.archives.get(byRef.get(ref)!)!, 4096), platform: PLATFORM, progress: silentProgress });
      }),
    stage: (ref) =>
      withStore(async (s) => {
        const r = await verifyStore(s, { roots: [{ digest: digest(ref), root: ref }], progress: silentProgress });
        if (r.damaged.length || r.missing.length) throw new Error(`Image '${ref}' is damaged`);
      }),
    setPins(set, refs) {
      const s = openFaultStore(storage);
      try {
        s.setPins(set, refs.map(digest));
      } finally {
        s.close();
      }
    },
  };
};

const deviceOn = (storage: FaultStorage, f: Fixture, unchanged: Map<string, string>) => {
  const open = () => openStateJournal(JOURNAL, storage);
  const device = new SimDevice(open, unchanged);
  const deps: OtaDeps = {
    services: device.services(),
    images: simImages(storage, f),
    journal: journalOta(open),
    files: otaFiles(`${JOURNAL}/ota`, storage),
    trust: f.trust,
    progress: silentProgress,
    now: () => NOW,
  };
  return { device, deps };
};

/** The boot of `bunker daemon`: an update cut after its switch began is rolled back before anything is applied. */
const boot = async (storage: FaultStorage, f: Fixture, unchanged: Map<string, string>) => {
  const d = deviceOn(storage, f, unchanged);
  const pending = pendingUpdate(d.deps);
  const target = d.device.target();
  if (!resumeRollsBack(pending) && target) d.device.converge(target);
  await resumeUpdate(d.deps);
  return d;
};

export interface OtaCutReport {
  scenario: Scenario;
  writes: number;
  cuts: number;
  outcomes: Record<string, number>;
  failures: { cutAfter: number; model: FailureModel; problem: string }[];
}

const rootCause = (err: unknown): unknown => {
  let e = err;
  while (e instanceof Error && !(e instanceof PowerCut) && e.cause) e = e.cause;
  return e;
};

/** `every`: cut at every N-th write only (the CI sample); `offset` shifts which ones; `seed` picks the models' choices. */
export const runOtaCuts = async (scenario: Scenario, opts: { seed: number; every?: number; offset?: number; models?: readonly FailureModel[] }): Promise<OtaCutReport> => {
  const f = await fixture();
  const old = JSON.stringify(oldTarget(f.refs));
  const next = JSON.stringify(newTarget(f.refs, scenario));
  const signed = JSON.stringify(signPayload(new TextEncoder().encode(JSON.stringify({ target: JSON.parse(next), expires: new Date(NOW + 86_400_000).toISOString(), rollback: scenario === "all-back" ? "all" : "service", gate: { window: "1s" } })), f.key.privatePem, "key"));
  const oldHashes = hashesOf(old);
  const newHashes = hashesOf(next);
  const unchanged = new Map([...newHashes].filter(([n, h]) => oldHashes.get(n) === h));
  const mixDoc = rollbackTarget(next, old, ["web"], false);
  const expected = { committed: newHashes, partial: hashesOf(mixDoc), "rolled-back": oldHashes, old: oldHashes };
  const uncut: keyof typeof expected = scenario === "healthy" ? "committed" : scenario === "one-fails" ? "partial" : "rolled-back";

  const fresh = (cutAfter = Infinity) => new FaultStorage(f.base.afterCut("drop", 0), cutAfter);
  const whole = fresh();
  const before = whole.calls;
  const w = deviceOn(whole, f, unchanged);
  w.device.converge(old);
  const r = await applyUpdate(w.deps, signed, "update-2.json");
  if (r.state.outcome !== uncut) throw new Error(`The uncut update ended '${r.state.outcome}' (${r.state.reason}), not '${uncut}'`);
  const writes = whole.calls - before;
  const report: OtaCutReport = { scenario, writes, cuts: 0, outcomes: {}, failures: [] };
  const models = opts.models ?? FAILURE_MODELS;

  for (let n = opts.offset ?? 0; n < writes; n += opts.every ?? 1)
    for (const [mi, model] of models.entries()) {
      report.cuts++;
      const fail = (problem: string) => void report.failures.push({ cutAfter: n, model, problem });
      const disk = fresh(before + n);
      const live = deviceOn(disk, f, unchanged);
      live.device.converge(old);
      try {
        await applyUpdate(live.deps, signed, "update-2.json");
        fail("the update finished although the power was cut");
        continue;
      } catch (err) {
        if (!(rootCause(err) instanceof PowerCut)) {
          fail(`failed before the cut: ${describeError(err)}`);
          continue;
        }
      }
      try {
        const rebooted = new FaultStorage(disk.afterCut(model, opts.seed * 7919 + n * 4 + mi));
        const d = await boot(rebooted, f, unchanged);
        const state: OtaState | undefined = d.deps.journal.state();
        const key = state?.outcome ?? "none (cut before the update was journaled)";
        report.outcomes[key] = (report.outcomes[key] ?? 0) + 1;
        if (state && state.phase !== "done") fail(`update left in phase ${state.phase}`);
        const want = state?.outcome === "committed" ? expected.committed : state?.outcome === "partial" ? expected.partial : expected.old;
        if (!same(d.device.running, want)) fail(`runs ${JSON.stringify([...d.device.running])}, not the set its outcome '${key}' says`);
        const journaled = d.device.target();
        if (!journaled || !same(hashesOf(journaled), d.device.running)) fail("the journaled target is not what runs");
        for (const p of storeProblems(rebooted, new Map())) fail(`store: ${p}`);
        if (state?.outcome === "committed" || state?.outcome === "partial") {
          const lkg = d.deps.files.read("last-known-good");
          if (!lkg || !same(hashesOf(lkg), d.device.running)) fail("the last-known-good document is not what runs");
          const s = openFaultStore(rebooted);
          const pins = s.pins("last-known-good").map((p) => p.digest).sort();
          s.close();
          const refs = imageRefs(JSON.parse(lkg!) as TargetState).map((x) => x.slice(x.indexOf("@") + 1)).sort();
          if (JSON.stringify(pins) !== JSON.stringify(refs)) fail(`last-known-good pins ${pins.join(",")} are not the images of what runs`);
        }
        if (d.deps.files.read("pending") !== undefined && state?.phase === "done") fail("the pending update is still beside the journal");
        if (want === expected.old) {
          // The operator (or the pipeline) tries again: it ends as the uncut run.
          const again = await applyUpdate(d.deps, signed, "update-2.json");
          if (again.state.outcome !== uncut || !same(d.device.running, expected[uncut])) fail(`applied again after '${key}', it ended '${again.state.outcome}'`);
        }
        for (const v of [...live.device.violations, ...d.device.violations]) fail(`unchanged service touched: ${v}`);
      } catch (err) {
        fail(`recovery failed: ${describeError(err)}`);
      }
    }
  return report;
};
