// `bunker image <subcommand>`: the image store (pull, import, list, inspect, remove, gc, verify, pins, bundles).
import { withSubcommands } from "../subcommands.ts";
import { bundleCommand } from "./image-bundle.ts";
import { gcCommand } from "./image-gc.ts";
import { importCommand } from "./image-import.ts";
import { inspectCommand } from "./image-inspect.ts";
import { lsCommand } from "./image-ls.ts";
import { pinCommand, unpinCommand } from "./image-pin.ts";
import { pullCommand } from "./image-pull.ts";
import { rmCommand } from "./image-rm.ts";
import { verifyCommand } from "./image-verify.ts";

export const command = withSubcommands("image", "OCI images: pull, import, ls, inspect, rm, gc, verify, pin, unpin, bundle", {
  pull: pullCommand,
  import: importCommand,
  ls: lsCommand,
  inspect: inspectCommand,
  rm: rmCommand,
  gc: gcCommand,
  verify: verifyCommand,
  pin: pinCommand,
  unpin: unpinCommand,
  bundle: bundleCommand,
});
