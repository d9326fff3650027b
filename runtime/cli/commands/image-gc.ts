// `bunker image gc [--partials]`
import { collectGarbage } from "../../../image/store/gc.ts";
import { isMountPoint } from "../../../image/unpack/host.ts";
import { formatBytes } from "../../units.ts";
import { flagBool } from "../parse.ts";
import { JSON_FLAG, openStore } from "../image-options.ts";
import type { Subcommand } from "../subcommands.ts";

export const subcommand: Omit<Subcommand, "summary"> = {
  args: "",
  arity: [0, 0],
  flags: [{ name: "partials", kind: "bool", help: "also remove partial blobs (otherwise kept so an interrupted pull can resume)" }, JSON_FLAG],
  run(g, a) {
    const store = openStore(g);
    try {
      const r = collectGarbage(store, { partials: flagBool(a, "partials"), isMountPoint });
      if (g.json) console.log(JSON.stringify(r));
      else {
        console.log(`removed ${r.blobs.length} blobs, ${r.layers.length} unpacked layers, ${r.containers.length} bundles, ${r.partials.length} partial blobs: ${formatBytes(r.freed)} freed`);
        if (r.keptPartials.length) console.log(`kept ${r.keptPartials.length} partial blobs for a resume (--partials removes them)`);
      }
      return 0;
    } finally {
      store.close();
    }
  },
};
