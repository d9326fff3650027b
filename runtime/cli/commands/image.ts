// `bunker image <subcommand>`: the image store (pull, import, list, inspect, remove, gc, verify, pins, bundles).
// Each subcommand's module loads only when it runs.
import { withSubcommands } from "../subcommands.ts";

export const command = withSubcommands("image", "OCI images: pull, import, ls, inspect, rm, gc, verify, pin, unpin, bundle", {
  pull: { summary: "pull an image from a registry (OCI distribution API) into the store", load: async () => (await import("./image-pull.ts")).subcommand },
  import: { summary: "import an OCI image layout (directory or tar) or a Docker archive (docker save); '-' reads stdin", load: async () => (await import("./image-import.ts")).subcommand },
  ls: { summary: "list the images in the store: name, manifest digest, platform, size, pins and containers", load: async () => (await import("./image-ls.ts")).subcommand },
  inspect: { summary: "show an image: its manifest, config, layers (stored, unpacked), pins and containers", load: async () => (await import("./image-inspect.ts")).subcommand },
  rm: { summary: "remove names from the store; 'image gc' then frees what nothing else uses", load: async () => (await import("./image-rm.ts")).subcommand },
  gc: { summary: "remove blobs, unpacked layers and bundles that no name, pin or container uses", load: async () => (await import("./image-gc.ts")).subcommand },
  verify: { summary: "re-hash stored blobs (all, or one image's) and report damage; --repair fetches damaged blobs again", load: async () => (await import("./image-verify.ts")).subcommand },
  pin: { summary: "add images to a pin set (gc never collects pinned images)", load: async () => (await import("./image-pin.ts")).subcommand },
  unpin: { summary: "remove images from a pin set, or empty it", load: async () => (await import("./image-unpin.ts")).subcommand },
  bundle: { summary: "write an OCI bundle (config.json from the image's config, a flattened rootfs) for any runtime", load: async () => (await import("./image-bundle.ts")).subcommand },
});
