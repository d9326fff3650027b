// `bunker ota status [--json]`
import { askDaemon, controlSocketPath } from "../../supervisor/control-socket.ts";
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
    const reply = await askDaemon(controlSocketPath(g.root), { op: "ota-status" });
    if (reply && !reply.ok) throw new Error(reply.error);
    const s = reply ? (reply.result as OtaStatus) : otaStatus(g.journal);
    console.log(g.json ? JSON.stringify(s) : s.update ? updateText(s.update) : "no update was applied");
    return 0;
  },
};
