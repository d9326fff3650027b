// `bunker image inspect REF [--json]`
import { shortDigest } from "../../../image/digest.ts";
import { imageDetails } from "../../../image/store/summary.ts";
import { formatBytes } from "../../units.ts";
import { JSON_FLAG, openStore } from "../image-options.ts";
import type { Subcommand } from "../subcommands.ts";

export const subcommand: Omit<Subcommand, "summary"> = {
  args: "<ref|digest>",
  arity: [1, 1],
  flags: [JSON_FLAG],
  run(g, a) {
    const d = imageDetails(openStore(g, { readOnly: true }), a.positional[0]!);
    if (g.json) {
      console.log(JSON.stringify(d, null, 2));
      return 0;
    }
    const c = d.config.config ?? {};
    console.log(
      [
        `name:       ${d.name}`,
        `digest:     ${d.digest}`,
        `manifest:   ${d.manifest}`,
        `platform:   ${d.platform}`,
        `size:       ${formatBytes(d.size)}`,
        `entrypoint: ${JSON.stringify(c.Entrypoint ?? [])}  cmd: ${JSON.stringify(c.Cmd ?? [])}`,
        `user:       ${c.User || "(root)"}  workdir: ${c.WorkingDir || "/"}`,
        `pins:       ${d.pins.join(", ") || "-"}`,
        `containers: ${d.containers.join(", ") || "-"}`,
        "layers:",
        ...d.layers.map((l, i) => `  ${i + 1}. ${shortDigest(l.digest)} ${formatBytes(l.size)} ${l.stored ? "stored" : "MISSING"}${l.unpacked ? ", unpacked" : ""}`),
      ].join("\n"),
    );
    return 0;
  },
};
