// `bunker image ls [--json]`
import { shortDigest } from "../../../image/digest.ts";
import { formatBytes } from "../../units.ts";
import { imageSummaries } from "../../../image/store/summary.ts";
import { JSON_FLAG, openStore } from "../image-options.ts";
import { table } from "../table.ts";
import type { Subcommand } from "../subcommands.ts";

export const subcommand: Omit<Subcommand, "summary"> = {
  args: "",
  arity: [0, 0],
  flags: [JSON_FLAG],
  run(g) {
    const store = openStore(g, { readOnly: true });
    const rows = imageSummaries(store);
    if (g.json) console.log(JSON.stringify(rows, null, 2));
    else
      console.log(
        table(
          ["NAME", "MANIFEST", "PLATFORM", "SIZE", "PINS", "CONTAINERS"],
          rows.map((r) => [r.name, shortDigest(r.manifest), r.platform, formatBytes(r.size), r.pins.join(",") || "-", String(r.containers.length)]),
        ),
      );
    return 0;
  },
};
