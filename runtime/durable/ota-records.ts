// What an over-the-air update keeps in the state journal (runtime/supervisor/ota-*.ts): one record with the whole
// update state, written at every phase entry and outcome, so a journal replayed after a power cut says which phase
// was entered, how often (a bound ends an update that keeps being cut), and what each service's gate said.
import { Type, type Static } from "@sinclair/typebox";

const Text = (max: number) => Type.String({ maxLength: max });
const Literals = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)));

/** The phases in order; "rollback" replaces failing services by their last-known-good spec; "done" ends it. */
export const OTA_PHASES = ["budget", "download", "stage", "switch", "gate", "rollback", "commit", "done"] as const;
export type OtaPhase = (typeof OTA_PHASES)[number];

export const OTA_OUTCOMES = ["committed", "partial", "rolled-back", "refused", "gave-up"] as const;
export type OtaOutcome = (typeof OTA_OUTCOMES)[number];

/** A service's part in the update: unchanged (never touched), switched, then healthy or rolled back. */
export const OTA_SERVICE_OUTCOMES = ["unchanged", "switched", "healthy", "running", "rolled-back", "removed"] as const;

export const OtaService = Type.Object({
  name: Text(64),
  outcome: Literals(OTA_SERVICE_OUTCOMES),
  reason: Type.Optional(Text(512)),
});
export type OtaService = Static<typeof OtaService>;

export const OtaState = Type.Object({
  kind: Type.Literal("ota"),
  /** The update's version, and the version it replaces (the last-known-good). */
  version: Text(128),
  from: Text(128),
  phase: Literals(OTA_PHASES),
  /** Entries into `phase` (a resume after a cut enters it again); past a bound the update gives up. */
  entries: Type.Integer({ minimum: 1 }),
  rollback: Literals(["service", "all"] as const),
  services: Type.Array(OtaService, { maxItems: 64 }),
  outcome: Type.Optional(Literals(OTA_OUTCOMES)),
  reason: Type.Optional(Text(1024)),
  /** The highest version ever accepted: a signed document not above it is refused (rollback protection). */
  installed: Text(128),
});
export type OtaState = Static<typeof OtaState>;
