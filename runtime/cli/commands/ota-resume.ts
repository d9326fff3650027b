// `bunker ota resume [--trust DIR] [--json]`: what a daemon does when it starts, for a device without one.
import { resumeHere } from "../../supervisor/ota-host.ts";
import { JSON_FLAG } from "../image-options.ts";
import { printUpdate, TRUST_FLAG, trustDir, updateExit } from "../ota-options.ts";
import { progressFor } from "../progress.ts";
import { warn } from "../report.ts";
import type { Subcommand } from "../subcommands.ts";

export const subcommand: Omit<Subcommand, "summary"> = {
  args: "",
  arity: [0, 0],
  flags: [TRUST_FLAG, JSON_FLAG],
  description: "Before the switch, the update resumes where it stopped (downloads resume); after it began, the switched services\nare rolled back. Prints nothing to do when no update is in progress.",
  async run(g, a) {
    const r = await resumeHere({ root: g.root, journal: g.journal, images: g.images, network: g.network, trust: trustDir(a), progress: progressFor(g), warn: (m) => warn(g, m) });
    if (!r) {
      console.log(g.json ? JSON.stringify({ event: "result", resumed: false }) : "no update in progress");
      return 0;
    }
    printUpdate(g, r);
    return updateExit(r.state);
  },
};
