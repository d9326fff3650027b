// The flags of `create --image` / `run --image` and the request they make; parsing only (the image code loads
// when --image is given, so a plain create or run pays nothing for it).
import type { ImageRootRequest } from "../../image/bundle/image-root.ts";
import { parseSize } from "../units.ts";
import type { FlagSpec, GlobalOptions, ParsedArgs } from "./command.ts";
import { UsageError } from "./command.ts";
import { flagList, flagString } from "./parse.ts";

export const IMAGE_FLAGS: FlagSpec[] = [
  { name: "image", kind: "string", value: "REF", help: "make the bundle from this image of the store (then: ID [COMMAND [ARG...]])" },
  { name: "env", short: "e", kind: "list", value: "KEY=VALUE", help: "with --image: set an environment variable (repeatable)" },
  { name: "memory", short: "m", kind: "string", value: "SIZE", help: "with --image: memory limit (64M, 1G)" },
  { name: "max-layer-size", kind: "string", value: "SIZE", help: "with --image: most bytes one layer may unpack to (default 16G)" },
];

export type ImageFlagsRequest = Omit<ImageRootRequest, "progress" | "onWait">;

/** The overrides and bound the flags give (shared with `image bundle`). */
export const imageOverrides = (a: ParsedArgs, args: string[]): Pick<ImageRootRequest, "overrides" | "maxLayerBytes"> => {
  const memory = flagString(a, "memory");
  const maxLayer = flagString(a, "max-layer-size");
  return {
    overrides: { ...(args.length ? { args } : {}), env: flagList(a, "env"), ...(memory !== undefined ? { memory: parseSize(memory) } : {}) },
    ...(maxLayer !== undefined ? { maxLayerBytes: parseSize(maxLayer) } : {}),
  };
};

/** The image request, or undefined without --image; a command after the ID needs --image. */
export const imageRequest = (g: GlobalOptions, a: ParsedArgs, command: string): ImageFlagsRequest | undefined => {
  const ref = flagString(a, "image");
  const [id, ...args] = a.positional as [string, ...string[]];
  if (ref === undefined) {
    if (args.length) throw new UsageError(`'${command}' takes one container ID; a command after it needs --image`);
    for (const f of ["env", "memory", "max-layer-size"]) if (a.flags[f] !== undefined) throw new UsageError(`--${f} needs --image`);
    return undefined;
  }
  if (flagString(a, "bundle") !== undefined) throw new UsageError("--image makes the bundle: it does not go with --bundle");
  return { images: g.images, id, ref, ...imageOverrides(a, args) };
};
