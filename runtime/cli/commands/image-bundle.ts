// `bunker image bundle REF DIR [COMMAND [ARG...]]`: a bundle (config.json + a flattened rootfs) for any runtime.
import { exportBundle } from "../../../image/bundle/container-root.ts";
import { DEFAULT_MAX_LAYER_BYTES } from "../../../image/unpack/layers.ts";
import { hostRootHost } from "../../../image/unpack/host.ts";
import { parseSize } from "../../units.ts";
import { flagList, flagString } from "../parse.ts";
import { JSON_FLAG, openStore } from "../image-options.ts";
import { IMAGE_FLAGS } from "../image-container.ts";
import { printResult, progressFor } from "../progress.ts";
import type { Subcommand } from "../subcommands.ts";

export const bundleCommand: Subcommand = {
  summary: "write an OCI bundle (config.json from the image's config, a flattened rootfs) for any runtime",
  args: "<ref> <dir> [command [args...]]",
  arity: [2, -1],
  stopAtPositional: true,
  flags: [...IMAGE_FLAGS.filter((f) => f.name !== "image"), { name: "hostname", kind: "string", value: "NAME", help: "the container's hostname (default: the image's name)" }, JSON_FLAG],
  description: "DIR must be empty or missing. A command after DIR replaces the image's Cmd. The rootfs is a copy, so the bundle outlives the store's gc.",
  async run(g, a) {
    const [ref, dir, ...args] = a.positional as [string, string, ...string[]];
    const store = openStore(g);
    try {
      const memory = flagString(a, "memory");
      const maxLayer = flagString(a, "max-layer-size");
      const config = await exportBundle(store, hostRootHost(), {
        id: flagString(a, "hostname") ?? "bunker",
        ref,
        dir,
        overrides: { ...(args.length ? { args } : {}), env: flagList(a, "env"), ...(memory !== undefined ? { memory: parseSize(memory) } : {}) },
        unpack: { maxLayerBytes: maxLayer === undefined ? DEFAULT_MAX_LAYER_BYTES : parseSize(maxLayer), chown: process.getuid?.() === 0, devices: false, progress: progressFor(g) },
      });
      printResult(g, { dir, args: config.process.args }, `${dir}: config.json and rootfs for ${JSON.stringify(config.process.args)}`);
      return 0;
    } finally {
      store.close();
    }
  },
};
