// `bunker image verify [REF] [--repair]`
import { planRepair } from "../../../image/store/repair.ts";
import { findImage } from "../../../image/store/reach.ts";
import { verifyStore } from "../../../image/store/verify.ts";
import { pullImage } from "../../../image/registry/pull.ts";
import { formatBytes } from "../../units.ts";
import { flagBool } from "../parse.ts";
import { JSON_FLAG, openStore, PLATFORM_FLAG, platformOption, REGISTRY_FLAGS, registryOptions } from "../image-options.ts";
import { printResult, progressFor } from "../progress.ts";
import type { Subcommand } from "../subcommands.ts";

export const subcommand: Omit<Subcommand, "summary"> = {
  args: "[<ref|digest>]",
  arity: [0, 1],
  flags: [{ name: "repair", kind: "bool", help: "remove damaged blobs and pull each again from the image's registry" }, PLATFORM_FLAG, ...REGISTRY_FLAGS, JSON_FLAG],
  description: "Exit status 1 when damage remains. Without --repair nothing is changed.",
  async run(g, a) {
    const repair = flagBool(a, "repair");
    const store = openStore(g, { readOnly: !repair });
    try {
      const progress = progressFor(g);
      const ref = a.positional[0];
      const image = ref === undefined ? undefined : findImage(store, ref);
      const roots = image && [{ digest: image.digest, root: `name '${image.name}'` }];
      const report = await verifyStore(store, { roots, progress });
      const repaired: string[] = [];
      let reimport: string[] = [];
      if (repair && (report.damaged.length || report.missing.length)) {
        const plan = planRepair(store, report.damaged);
        for (const p of plan.pulls) {
          await pullImage({ store, ref: p.name, platform: platformOption(a), progress, only: p.blobs, ...registryOptions(a, p.name) });
          repaired.push(p.name);
        }
        reimport = plan.reimport;
      }
      const clean = repair ? reimport.length === 0 && (await verifyStore(store, { roots, progress })).damaged.length === 0 : report.damaged.length + report.missing.length === 0;
      const lines = [
        `checked ${report.checked} blobs (${formatBytes(report.bytes)}): ${report.damaged.length} damaged, ${report.missing.length} missing`,
        ...report.damaged.map((d) => `damaged ${d.digest || "(walk)"}: ${d.problem}${d.root ? ` (used by ${d.root})` : ""}`),
        ...report.missing.map((d) => `missing ${d.digest} (used by ${d.root})`),
        ...repaired.map((n) => `repaired ${n} from its registry`),
        ...reimport.map((n) => `${n}: import it again to repair it`),
      ];
      printResult(g, { ...report, repaired, reimport, clean }, lines.join("\n"));
      return clean ? 0 : 1;
    } finally {
      store.close();
    }
  },
};
