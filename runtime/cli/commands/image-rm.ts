// `bunker image rm REF...`
import { findImage } from "../../../image/store/reach.ts";
import { JSON_FLAG, openStore } from "../image-options.ts";
import type { Subcommand } from "../subcommands.ts";

export const subcommand: Omit<Subcommand, "summary"> = {
  args: "<ref|digest>...",
  arity: [1, -1],
  flags: [JSON_FLAG],
  run(g, a) {
    const store = openStore(g);
    try {
      const removed = a.positional.map((ref) => findImage(store, ref).name);
      for (const name of removed) store.removeName(name);
      console.log(g.json ? JSON.stringify({ removed }) : removed.map((n) => `removed ${n}`).join("\n"));
      return 0;
    } finally {
      store.close();
    }
  },
};
