// Flags and output shared by the `bunker ota` subcommands.
import type { FlagSpec, GlobalOptions, ParsedArgs } from "./command.ts";
import { flagString } from "./parse.ts";
import { DEFAULT_TRUST_DIR } from "../supervisor/ota-keys.ts";
import type { OtaResult } from "../supervisor/ota-update.ts";
import type { OtaState } from "../durable/ota-records.ts";
import { table } from "./table.ts";

export const TRUST_FLAG: FlagSpec = { name: "trust", kind: "string", value: "DIR", help: `public keys trusted to sign updates (default ${DEFAULT_TRUST_DIR}); a running daemon uses its own --trust` };

export const trustDir = (a: ParsedArgs): string => flagString(a, "trust") ?? DEFAULT_TRUST_DIR;

/** Exit status of an update: 0 when the new version runs whole, 1 when anything was rolled back or refused. */
export const updateExit = (s: OtaState): number => (s.outcome === "committed" ? 0 : 1);

export const updateText = (s: OtaState): string =>
  [
    `update ${s.version} (from ${s.from}): ${s.phase === "done" ? s.outcome : `in phase ${s.phase} (entered ${s.entries} times)`}${s.reason ? `: ${s.reason}` : ""}`,
    table(["SERVICE", "OUTCOME", "REASON"], s.services.map((x) => [x.name, x.outcome, x.reason ?? ""])),
  ].join("\n");

export const printUpdate = (g: GlobalOptions, r: OtaResult): void => {
  console.log(g.json ? JSON.stringify({ event: "result", ...r }) : updateText(r.state));
};
