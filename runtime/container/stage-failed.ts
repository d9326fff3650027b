import type { StageMessage } from "../process/messages.ts";

/** The setup stage's own account of a failure: "setup stage: <step>: <call>: <errno>". */
export class StageFailedError extends Error {
  override readonly name = "StageFailedError";
  constructor(readonly report: Extract<StageMessage, { t: "failed" }>) {
    super(`Setup stage failed at '${report.step}': ${report.message}`);
  }
}
