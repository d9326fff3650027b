// `bunker image bundle REF DIR [COMMAND [ARG...]]`: a bundle (config.json + a flattened rootfs) for any runtime.
import { exportBundle } from "../../../image/bundle/container-root.ts";
import { DEFAULT_MAX_LAYER_BYTES } from "../../../image/unpack/layers.ts";
import { hostRootHost } from "../../../image/unpack/host.ts";
import { flagString } from "../parse.ts";
import { JSON_FLAG, openStore } from "../image-options.ts";
import { IMAGE_FLAGS, imageOverrides } from "../image-flags.ts";
import { printResult, progressFor } from "../progress.ts";
import type { Subcommand } from "../subcommands.ts";

export const subcommand: Omit<Subcommand, "summary"> = {
  args: "<ref> <dir> [command [args...]]",
  arity: [2, -1],
  stopAtPositional: true,
  flags: [...IMAGE_FLAGS.filter((f) => f.name !== "image"), { name: "hostname", kind: "string", value: "NAME", help: "the container's hostname (default: the image's name)" }, JSON_FLAG],
  description: "DIR must be empty or missing. A command after DIR replaces the image's Cmd. The rootfs is a copy, so the bundle outlives the store's gc.",
  async run(g, a) {
    const [ref, dir, ...args] = a.positional as [string, string, ...string[]];
    const store = openStore(g);
    try {
      const { overrides, maxLayerBytes } = imageOverrides(a, args);
      const config = await exportBundle(store, hostRootHost(), {
        id: flagString(a, "hostname") ?? "bunker",
        ref,
        dir,
        overrides,
        unpack: { maxLayerBytes: maxLayerBytes ?? DEFAULT_MAX_LAYER_BYTES, chown: process.getuid?.() === 0, devices: false, progress: progressFor(g) },
      });
      printResult(g, { dir, args: config.process.args }, `${dir}: config.json and rootfs for ${JSON.stringify(config.process.args)}`);
      return 0;
    } finally {
      store.close();
    }
  },
};
