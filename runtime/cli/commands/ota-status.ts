// `bunker ota status [--json]`
import { daemonOrHere } from "../daemon-or-here.ts";
import { otaStatus, type OtaStatus } from "../../supervisor/ota-host.ts";
import { JSON_FLAG } from "../image-options.ts";
import { updateText } from "../ota-options.ts";
import type { Subcommand } from "../subcommands.ts";

export const subcommand: Omit<Subcommand, "summary"> = {
  args: "",
  arity: [0, 0],
  flags: [JSON_FLAG],
  description: "Schema: docs/schemas/ota-status.schema.json. Asks the daemon when one runs, else reads the journal.",
  async run(g) {
    const { result: s } = await daemonOrHere<OtaStatus>(g.root, { op: "ota-status" }, () => otaStatus(g.journal));
    console.log(g.json ? JSON.stringify(s) : s.update ? updateText(s.update) : "no update was applied");
    return 0;
  },
};
