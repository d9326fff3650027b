// `bunker image import FILE|DIR|- [--name REF] [--platform P]`
import { importImage } from "../../../image/sources/import.ts";
import { flagString } from "../parse.ts";
import { JSON_FLAG, openStore, PLATFORM_FLAG, platformOption } from "../image-options.ts";
import { printResult, progressFor } from "../progress.ts";
import type { Subcommand } from "../subcommands.ts";

export const subcommand: Omit<Subcommand, "summary"> = {
  args: "<file|dir|->",
  arity: [1, 1],
  flags: [{ name: "name", kind: "string", value: "REF", help: "name the image REF (for a source of several images: the one whose tag is REF's)" }, PLATFORM_FLAG, JSON_FLAG],
  description:
    "A directory or a tar file is planned first: its documents are read, and the space its new blobs need is checked before anything is written. A stream (stdin, or a compressed file) is read once, in order. An interrupted import resumes its partial blobs when run again.",
  async run(g, a) {
    const store = openStore(g);
    try {
      const r = await importImage({ store, source: a.positional[0]!, stdin: () => Bun.stdin.stream() as unknown as AsyncIterable<Uint8Array>, name: flagString(a, "name"), platform: platformOption(a), progress: progressFor(g) });
      const lines = r.images.map((i) => `${i.names.join(", ")} ${i.manifest} ${i.platform}`);
      printResult(g, r, [...lines, `${r.written} blobs written, ${r.reused} already stored`].join("\n"));
      return 0;
    } finally {
      store.close();
    }
  },
};
