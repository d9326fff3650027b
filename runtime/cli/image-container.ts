// `create --image` and `run --image`: the flags that make a container from an image in the store, and the wrapper
// that makes its root before the lifecycle's create and takes it down again when that fails.
import { withImageRoot, type ImageRootRequest } from "../../image/bundle/image-root.ts";
import type { PreparedRoot } from "../../image/bundle/container-root.ts";
import { hostRootHost } from "../../image/unpack/host.ts";
import { parseSize } from "../units.ts";
import type { FlagSpec, GlobalOptions, ParsedArgs } from "./command.ts";
import { UsageError } from "./command.ts";
import { openStoreWaitNote } from "./image-options.ts";
import { flagList, flagString } from "./parse.ts";
import { progressFor } from "./progress.ts";

export const IMAGE_FLAGS: FlagSpec[] = [
  { name: "image", kind: "string", value: "REF", help: "make the bundle from this image of the store (then: ID [COMMAND [ARG...]])" },
  { name: "env", short: "e", kind: "list", value: "KEY=VALUE", help: "with --image: set an environment variable (repeatable)" },
  { name: "memory", short: "m", kind: "string", value: "SIZE", help: "with --image: memory limit (64M, 1G)" },
  { name: "max-layer-size", kind: "string", value: "SIZE", help: "with --image: most bytes one layer may unpack to (default 16G)" },
];

/** The image request, or undefined without --image; a command after the ID needs --image. */
export const imageRequest = (g: GlobalOptions, a: ParsedArgs, command: string): ImageRootRequest | undefined => {
  const ref = flagString(a, "image");
  const [id, ...args] = a.positional as [string, ...string[]];
  if (ref === undefined) {
    if (args.length) throw new UsageError(`'${command}' takes one container ID; a command after it needs --image`);
    for (const f of ["env", "memory", "max-layer-size"]) if (a.flags[f] !== undefined) throw new UsageError(`--${f} needs --image`);
    return undefined;
  }
  if (flagString(a, "bundle") !== undefined) throw new UsageError("--image makes the bundle: it does not go with --bundle");
  const memory = flagString(a, "memory");
  const maxLayer = flagString(a, "max-layer-size");
  return {
    images: g.images,
    id,
    ref,
    overrides: { ...(args.length ? { args } : {}), env: flagList(a, "env"), ...(memory !== undefined ? { memory: parseSize(memory) } : {}) },
    ...(maxLayer !== undefined ? { maxLayerBytes: parseSize(maxLayer) } : {}),
    progress: progressFor(g),
    onWait: openStoreWaitNote(g),
  };
};

export const withImage = <T>(req: ImageRootRequest, make: (root: PreparedRoot) => Promise<T>): Promise<T> => withImageRoot(hostRootHost(), req, make);
