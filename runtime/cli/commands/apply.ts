import { daemonOrHere } from "../daemon-or-here.ts";
import { applyHere } from "../../supervisor/local-services.ts";
import { MAX_TARGET_BYTES, type ApplyReport } from "../../supervisor/service-manager.ts";
import type { Command } from "../command.ts";
import { readDocument, type DocumentSource } from "../document.ts";
import { flagBool } from "../parse.ts";
import { warn } from "../report.ts";
import { table } from "../table.ts";

const TARGET: DocumentSource = { what: "the target state", maxBytes: MAX_TARGET_BYTES, urls: false };

const verdicts = (rows: ApplyReport["plan"]["services"]): string =>
  table(["SERVICE", "PLAN", "WHY"], rows.map((s) => [s.service, s.verdict, s.reason]));

const text = (by: string, r: ApplyReport, dryRun: boolean): string =>
  [
    `target '${r.device}' version '${r.version}'${dryRun ? " (dry run)" : `, applied ${by}`}`,
    verdicts(r.plan.services),
    ...(r.result
      ? [
          ...r.result.done.map((s) => `done: ${s}`),
          ...r.result.failures.map((f) => `failed: ${f.step}: ${f.error}`),
          "now:",
          verdicts(r.result.services),
        ]
      : []),
  ].join("\n");

export const command: Command = {
  name: "apply",
  summary: "apply a target state: check it, show the plan, hand it to the daemon (or apply it here when none runs)",
  args: "<file|->",
  arity: [1, 1],
  flags: [
    { name: "dry-run", kind: "bool", help: "only check the document and print the plan" },
    { name: "json", kind: "bool", help: "print the report as JSON" },
  ],
  description:
    "The document (schema: docs/schemas/target-state.schema.json, see docs/services.md) names the device's services.\n" +
    "Services whose spec did not change are never restarted. The target is journaled before anything changes.\n" +
    "Without a daemon on the root's socket, bunker applies the target itself and waits until no service waits for a\n" +
    "dependency any more; the services then run unsupervised until `bunker daemon` starts. Exit 1 when a step failed.",
  async run(g, a) {
    const file = a.positional[0]!;
    const dryRun = flagBool(a, "dry-run");
    const document = await readDocument(file, TARGET);
    const { by, result: report } = await daemonOrHere<ApplyReport>(g.root, { op: "apply", document, file, dryRun }, () =>
      applyHere({ root: g.root, journal: g.journal, images: g.images, network: g.network, warn: (m) => warn(g, m) }, document, file, dryRun),
    );
    console.log(g.json ? JSON.stringify({ appliedBy: by, ...report }) : text(by === "here" ? "here (no daemon runs)" : "by the daemon", report, dryRun));
    return report.result?.failures.length ? 1 : 0;
  },
};
