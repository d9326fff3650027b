// `bunker image pull REF [--platform P] [--insecure] [--ca-file F] [--user U:P | --auth-file F]`
import { pullImage } from "../../../image/registry/pull.ts";
import { formatBytes } from "../../units.ts";
import { JSON_FLAG, openStore, PLATFORM_FLAG, platformOption, REGISTRY_FLAGS, registryOptions } from "../image-options.ts";
import { printResult, progressFor } from "../progress.ts";
import type { Subcommand } from "../subcommands.ts";

export const subcommand: Omit<Subcommand, "summary"> = {
  args: "<ref>",
  arity: [1, 1],
  flags: [PLATFORM_FLAG, ...REGISTRY_FLAGS, JSON_FLAG],
  description: "The space the missing blobs need is checked before the first byte is written. A pull cut short resumes its partial blobs (HTTP Range) when run again.",
  async run(g, a) {
    const ref = a.positional[0]!;
    const store = openStore(g);
    try {
      const r = await pullImage({ store, ref, platform: platformOption(a), progress: progressFor(g), ...registryOptions(a, ref) });
      printResult(g, r, `${r.name} ${r.manifest} ${r.platform}: ${r.written} blobs written (${formatBytes(r.bytes)}), ${r.reused} already stored`);
      return 0;
    } finally {
      store.close();
    }
  },
};
