// `bunker image pin SET REF...`: the pin sets gc never collects (the OTA work keeps "running" and
// "last-known-good" here).
import { findImage } from "../../../image/store/reach.ts";
import { JSON_FLAG, openStore } from "../image-options.ts";
import type { Subcommand } from "../subcommands.ts";

export const subcommand: Omit<Subcommand, "summary"> = {
  args: "<set> <ref|digest>...",
  arity: [2, -1],
  flags: [JSON_FLAG],
  run(g, a) {
    const [set, ...refs] = a.positional as [string, ...string[]];
    const store = openStore(g);
    try {
      for (const r of refs) store.pin(set, findImage(store, r).digest);
      console.log(g.json ? JSON.stringify(store.pins(set)) : store.pins(set).map((p) => `${p.set} ${p.digest}`).join("\n"));
      return 0;
    } finally {
      store.close();
    }
  },
};
