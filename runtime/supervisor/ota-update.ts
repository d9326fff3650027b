// An over-the-air update as a change of the service manager's target, in phases journaled as they are entered:
// verify (signature, expiry, version) -> budget (space for the new images after dedup) -> download (resumable,
// through the image store) -> stage (blobs re-hashed, layers unpacked; nothing running touched) -> switch (the new
// target applied by the service manager's planner: unchanged services are never touched) -> gate (each switched
// service healthy, or running for the window) -> commit (the new target becomes last-known-good, the pins move)
// or rollback (each failing service, or with `rollback: all` every switched one, back to its last-known-good spec).
// A power cut before the switch resumes where it stopped; one after the switch began rolls the switched services
// back (nothing was proven); each phase may be entered a bounded number of times, then the update gives up.
import { describeError } from "../errors.ts";
import type { Progress } from "../../image/progress.ts";
import type { OtaPhase, OtaService, OtaState } from "../durable/ota-records.ts";
import { parseDuration } from "../units.ts";
import { healthTiming } from "./health.ts";
import type { KeyObject } from "node:crypto";
import { compareVersions, decodePayload, parseEnvelope, type CheckedUpdate } from "./ota-document.ts";
import { verifyEnvelope } from "./ota-keys.ts";
import { resolveTarget } from "./resolve-target.ts";
import type { ApplyReport, GateResult } from "./service-manager.ts";
import { parseTarget, type Service, type TargetState } from "./target-state.ts";

/** The service manager as an update drives it. */
export interface OtaServices {
  /** Journals `document` as the target (durable first) and applies it. */
  apply(document: string, file: string): Promise<ApplyReport>;
  gate(service: string, windowMs: number): Promise<GateResult>;
  /** The journaled target document, if any. */
  target(): string | undefined;
}

/** The image store as an update uses it; refs are `name@sha256:...` as the target pins them. */
export interface OtaImages {
  /** Throws (NoSpaceError, naming what is missing) unless the blobs of `refs` not yet stored fit, before any is written. */
  budget(refs: readonly string[], what: string): Promise<void>;
  /** Brings an image into the store (a partial blob resumes). */
  fetch(ref: string): Promise<void>;
  /** Re-hashes the image's blobs (a damaged one is refused here, before any switch) and unpacks its layers. */
  stage(ref: string): Promise<void>;
  setPins(set: "running" | "last-known-good", refs: readonly string[]): void;
}

/** The update's records in the state journal (durable when `record` returns). */
export interface OtaJournal {
  state(): OtaState | undefined;
  record(s: OtaState): void;
}

/** Durable documents beside the journal: the verified update in progress, and the last-known-good target. */
export interface OtaFiles {
  read(name: OtaFile): string | undefined;
  write(name: OtaFile, text: string): void;
  remove(name: OtaFile): void;
}
export type OtaFile = "pending" | "last-known-good";

export interface OtaDeps {
  services: OtaServices;
  images: OtaImages;
  journal: OtaJournal;
  files: OtaFiles;
  trust: ReadonlyMap<string, KeyObject>;
  progress: Progress;
  now(): number;
  /** Entries into one phase before the update gives up (Mender stops at 28 reboots; bunker's phases are shorter). */
  maxEntries?: number;
}

export const DEFAULT_MAX_ENTRIES = 5;

/** What a rollback or a cut is told apart by in `status`. */
const CUT_REASON = "a power cut or a restart interrupted the switch: nothing was proven";

/** The health gate's window of a service: its health check's full start budget, or the update's window. */
export const gateWindowMs = (s: Service, windowMs: number): number => {
  if (!s.healthCheck) return windowMs;
  const t = healthTiming(s.healthCheck);
  return Math.min(t.startPeriodMs + (t.retries + 1) * Math.max(t.intervalMs, t.startIntervalMs) + t.timeoutMs, 10 * 60_000);
};

export const imageRefs = (t: TargetState): string[] => [...new Set(Object.values(t.services).flatMap((s) => (s.image ? [s.image] : [])))].sort();

const emptyTarget = (device: string): string => JSON.stringify({ device, version: "0", services: {} });

/** The version an update must exceed: the highest accepted, or the running target's when it is a version. */
const installedVersion = (d: OtaDeps): string => {
  const s = d.journal.state();
  if (s) return s.installed;
  const doc = d.services.target();
  if (!doc) return "0";
  const v = (JSON.parse(doc) as { version?: unknown }).version;
  return typeof v === "string" && /^[0-9]+(\.[0-9]+)*$/.test(v) ? v : "0";
};

/** Verify: refused before anything is written or downloaded when unsigned, untrusted, expired or not newer. */
export const checkUpdate = (d: OtaDeps, text: string, file: string): CheckedUpdate => {
  const env = parseEnvelope(text, file);
  const { bytes, keyid } = verifyEnvelope(env, d.trust, file);
  const u = decodePayload(bytes, file, keyid);
  if (Date.parse(u.payload.expires) <= d.now()) throw new Error(`Refused ${file}: version '${u.version}' expired at ${u.payload.expires}`);
  const installed = installedVersion(d);
  if (compareVersions(u.version, installed) <= 0) throw new Error(`Refused ${file}: version '${u.version}' is not above the installed '${installed}' (a replayed or older update)`);
  return u;
};

/** Per service, the spec hash a document gives it (bundle services include their config.json). */
const hashes = (doc: string): Map<string, string> => new Map([...resolveTarget(parseTarget(doc)).services].map(([n, s]) => [n, s.hash]));

/** Services of `next` whose spec differs from `prev`'s, and those that `next` drops. */
const changes = (prev: string, next: string): { switched: string[]; dropped: string[] } => {
  const a = hashes(prev);
  const b = hashes(next);
  return { switched: [...b].filter(([n, h]) => a.get(n) !== h).map(([n]) => n).sort(), dropped: [...a.keys()].filter((n) => !b.has(n)).sort() };
};

/** The new target with the `back` services as the last-known-good has them (dropped where it has none). */
export const rollbackTarget = (next: string, lkg: string, back: readonly string[], all: boolean): string => {
  const n = JSON.parse(next) as TargetState;
  const l = JSON.parse(lkg) as TargetState;
  if (all) return lkg;
  const services = { ...n.services };
  for (const name of back) {
    const old = l.services[name];
    if (old) services[name] = old;
    else delete services[name];
  }
  // The restored services' dependencies must still be there: a dependency the new target dropped comes back too.
  for (let again = true; again; ) {
    again = false;
    for (const s of Object.values(services))
      for (const dep of Object.keys(s.dependsOn ?? {}))
        if (!services[dep] && l.services[dep]) {
          services[dep] = l.services[dep];
          again = true;
        }
  }
  return JSON.stringify({ ...n, services });
};

export interface OtaResult {
  state: OtaState;
  /** The target the device runs now. */
  version: string;
}

/** The update in progress (journaled, not done), to be resumed before anything else. */
export const pendingUpdate = (d: OtaDeps): OtaState | undefined => {
  const s = d.journal.state();
  return s && s.phase !== "done" ? s : undefined;
};

/** Whether resuming this update starts with a rollback (the switch had begun): the manager must not apply first. */
export const resumeRollsBack = (s: OtaState | undefined): boolean => s !== undefined && ["switch", "gate", "rollback"].includes(s.phase);

/** Applies a signed update; an interrupted one is resumed (and ended) first. */
export const applyUpdate = async (d: OtaDeps, text: string, file: string): Promise<OtaResult> => {
  if (pendingUpdate(d)) await resumeUpdate(d);
  const u = checkUpdate(d, text, file);
  const current = d.services.target();
  const lkg = d.files.read("last-known-good") ?? current ?? emptyTarget(u.decoded.target.device);
  // The first update: what runs now is the last-known-good (it was installed and runs).
  if (d.files.read("last-known-good") === undefined) d.files.write("last-known-good", lkg);
  d.files.write("pending", text);
  const { switched } = changes(lkg, u.document);
  const from = (JSON.parse(lkg) as TargetState).version;
  const s: OtaState = {
    kind: "ota", version: u.version, from, phase: "budget", entries: 1, rollback: u.payload.rollback, installed: installedVersion(d),
    services: Object.keys(u.decoded.target.services).sort().map((name) => ({ name, outcome: switched.includes(name) ? "switched" : "unchanged" })),
  };
  d.journal.record(s);
  return drive(d, s, u, lkg);
};

/** Resumes the journaled update: before the switch, where it stopped; after it began, by a rollback. */
export const resumeUpdate = async (d: OtaDeps): Promise<OtaResult | undefined> => {
  const s = pendingUpdate(d);
  if (!s) {
    // A cut after the update's last record and before its document was removed: the document is a leftover.
    d.files.remove("pending");
    return undefined;
  }
  const text = d.files.read("pending");
  const lkg = d.files.read("last-known-good");
  if (text === undefined || lkg === undefined) return end(d, s, "gave-up", `the ${text === undefined ? "pending update" : "last-known-good target"} is missing beside the journal`, s.phase);
  // Verified when it was accepted; checked again (the files may be damaged) but not for expiry or version.
  const env = parseEnvelope(text, "the pending update");
  const u = decodePayload(verifyEnvelope(env, d.trust, "the pending update").bytes, "the pending update", env.signatures[0]!.keyid);
  if (s.phase === "switch" || s.phase === "gate") {
    const services = s.services.map((x): OtaService => (x.outcome === "unchanged" ? x : { name: x.name, outcome: "rolled-back", reason: CUT_REASON }));
    return drive(d, enter(d, s, "rollback", { services }), u, lkg, true);
  }
  return drive(d, enter(d, s, s.phase), u, lkg);
};

/** Records the entry into `phase` (counted when it is entered again). */
const enter = (d: OtaDeps, s: OtaState, phase: OtaPhase, patch: Partial<OtaState> = {}): OtaState => {
  const next: OtaState = { ...s, ...patch, phase, entries: s.phase === phase ? s.entries + 1 : 1 };
  d.journal.record(next);
  d.progress.note(`update ${next.version}: ${phase}${next.entries > 1 ? ` (entered ${next.entries} times)` : ""}`);
  return next;
};

const end = (d: OtaDeps, s: OtaState, outcome: NonNullable<OtaState["outcome"]>, reason: string, at: OtaPhase): OtaResult => {
  // The new version runs (whole or in part): nothing at or below it is accepted again. An update rolled back whole
  // (a failing gate with rollback: all, or a cut) may be applied again.
  const accepted = outcome === "committed" || outcome === "partial";
  const state: OtaState = {
    ...s, phase: "done", entries: 1, outcome, reason: `${at}: ${reason}`.slice(0, 1024),
    installed: accepted && compareVersions(s.version, s.installed) > 0 ? s.version : s.installed,
  };
  d.journal.record(state);
  d.files.remove("pending");
  d.progress.note(`update ${s.version}: ${outcome}: ${state.reason}`);
  const target = d.services.target();
  return { state, version: target ? (JSON.parse(target) as TargetState).version : s.from };
};

const drive = async (d: OtaDeps, start: OtaState, u: CheckedUpdate, lkg: string, resumed = false): Promise<OtaResult> => {
  const max = d.maxEntries ?? DEFAULT_MAX_ENTRIES;
  const refs = imageRefs(u.decoded.target);
  const lkgRefs = imageRefs(parseTarget(lkg, "the last-known-good target").target);
  const what = `update '${u.version}'`;
  let s = start;
  if (!resumed && s.phase === "budget") d.progress.note(`update ${s.version}: budget`);
  for (;;) {
    if (s.entries > max) return end(d, s, "gave-up", `entered ${s.entries - 1} times without finishing`, s.phase);
    try {
      switch (s.phase) {
        case "budget":
          await d.images.budget(refs, what);
          s = enter(d, s, "download");
          break;
        case "download":
          for (const ref of refs) await d.images.fetch(ref);
          s = enter(d, s, "stage");
          break;
        case "stage":
          for (const ref of refs) await d.images.stage(ref);
          s = enter(d, s, "switch");
          break;
        case "switch":
          // Old and new images are both in use until the gate has spoken.
          d.images.setPins("running", [...new Set([...lkgRefs, ...refs])].sort());
          await d.services.apply(u.document, `update ${u.version}`);
          s = enter(d, s, "gate");
          break;
        case "gate": {
          const windowMs = parseDuration(u.payload.gate.window);
          const results = await Promise.all(
            s.services.filter((x) => x.outcome !== "unchanged").map((x) => d.services.gate(x.name, gateWindowMs(u.decoded.target.services[x.name]!, windowMs))),
          );
          const failed = results.filter((r) => r.outcome !== "healthy" && r.outcome !== "running");
          const by = new Map(results.map((r) => [r.service, r]));
          const services = s.services.map((x): OtaService => {
            const r = by.get(x.name);
            if (!r) return x;
            if (r.outcome === "healthy" || r.outcome === "running") return { name: x.name, outcome: r.outcome };
            return { name: x.name, outcome: "rolled-back", reason: `${r.outcome}: ${"detail" in r ? r.detail : ""}`.slice(0, 512) };
          });
          if (!failed.length) {
            s = enter(d, s, "commit", { services });
            break;
          }
          const all = s.rollback === "all";
          s = enter(d, s, "rollback", {
            services: all
              ? services.map((x) => (x.outcome === "unchanged" || x.outcome === "rolled-back" ? x : { name: x.name, outcome: "rolled-back", reason: `rollback: all (${failed.map((f) => f.service).join(", ")} failed)` }))
              : services,
          });
          break;
        }
        case "rollback": {
          const back = s.services.filter((x) => x.outcome === "rolled-back").map((x) => x.name);
          const all = s.rollback === "all" || back.length === s.services.filter((x) => x.outcome !== "unchanged").length;
          const mix = rollbackTarget(u.document, lkg, back, all);
          await d.services.apply(mix, `rollback of update ${u.version}`);
          s = enter(d, s, "commit");
          break;
        }
        case "commit": {
          const back = s.services.filter((x) => x.outcome === "rolled-back");
          const all = back.length > 0 && (s.rollback === "all" || back.length === s.services.filter((x) => x.outcome !== "unchanged").length);
          const final = back.length ? rollbackTarget(u.document, lkg, back.map((x) => x.name), all) : u.document;
          const finalRefs = imageRefs(parseTarget(final, "the committed target").target);
          // Proven: the pins move, and only now are the images no target uses any more free for gc.
          d.images.setPins("last-known-good", finalRefs);
          d.images.setPins("running", finalRefs);
          d.files.write("last-known-good", final);
          return end(d, s, back.length === 0 ? "committed" : all ? "rolled-back" : "partial", back.length ? back.map((x) => `${x.name}: ${x.reason ?? "rolled back"}`).join("; ") : "every switched service passed its gate", "commit");
        }
        case "done":
          return { state: s, version: s.version };
      }
    } catch (err) {
      // Before the switch nothing running was touched: the update ends, and a new apply of it starts over (the
      // image store keeps what was downloaded). Later, the failure of a step is the gate's to judge.
      if (s.phase === "budget" || s.phase === "download" || s.phase === "stage") return refuse(d, s, err);
      if (s.phase === "switch") {
        s = enter(d, s, "gate");
        continue;
      }
      throw err;
    }
  }
};

const refuse = (d: OtaDeps, s: OtaState, err: unknown): never => {
  end(d, s, "refused", describeError(err), s.phase);
  throw new Error(`Update '${s.version}' refused in phase ${s.phase}, the running set untouched: ${describeError(err)}`);
};
