// `bunker image unpin SET [REF...]`: removes images from a pin set, or empties it.
import { findImage } from "../../../image/store/reach.ts";
import { JSON_FLAG, openStore } from "../image-options.ts";
import type { Subcommand } from "../subcommands.ts";

export const subcommand: Omit<Subcommand, "summary"> = {
  args: "<set> [<ref|digest>...]",
  arity: [1, -1],
  flags: [JSON_FLAG],
  run(g, a) {
    const [set, ...refs] = a.positional as [string, ...string[]];
    const store = openStore(g);
    try {
      if (refs.length === 0) store.unpin(set);
      for (const r of refs) store.unpin(set, /^sha(256|512):[0-9a-f]+$/.test(r) ? r : findImage(store, r).digest);
      console.log(g.json ? JSON.stringify(store.pins(set)) : `${set}: ${store.pins(set).length} pinned`);
      return 0;
    } finally {
      store.close();
    }
  },
};
