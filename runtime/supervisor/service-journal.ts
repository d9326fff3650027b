// The service manager's records in the state journal (runtime/durable/): the target document as applied, and each
// step begun and ended, each durable before the call returns. The journal is opened per record, as the container
// commands open it, so that a daemon and the CLI can both write it (one at a time, under its lock).
import { recordChanges, openLockedJournal } from "../container/journal.ts";
import type { ServiceJournal } from "./service-manager.ts";
import { describeStep } from "./steps.ts";

/** `dir` null (--journal none): nothing is durable; a restarted daemon has no target until one is applied. */
export const hostServiceJournal = (dir: string | null): ServiceJournal => ({
  recovered() {
    if (dir === null) return {};
    const j = openLockedJournal(dir);
    try {
      const { target, step } = j.state();
      return { ...(target ? { target: { document: target.document, file: target.file } } : {}), ...(step ? { step } : {}) };
    } finally {
      j.close();
    }
  },
  target: (document, file, version) => recordChanges(dir, [{ kind: "target", file: file.slice(0, 1024), version, document }]),
  begun: (step) => recordChanges(dir, [{ kind: "stepBegun", service: step.service, action: step.action, detail: describeStep(step).slice(0, 2048) }]),
  ended: (step, outcome, detail) =>
    recordChanges(dir, [{ kind: "stepEnded", service: step.service, action: step.action, outcome, detail: (detail || describeStep(step)).slice(0, 2048) }]),
});
