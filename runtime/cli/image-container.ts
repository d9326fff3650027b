// `create --image` and `run --image`: the root and bundle made in the store before the lifecycle's create, taken
// down again when it fails; their release by `delete` and a foreground `run`; their mounts again at `resume`.
// Loaded only when an image is involved.
import { releaseImageRoot, remountImageRoots, withImageRoot } from "../../image/bundle/image-root.ts";
import type { PreparedRoot } from "../../image/bundle/container-root.ts";
import { hostRootHost } from "../../image/unpack/host.ts";
import type { GlobalOptions } from "./command.ts";
import type { ImageFlagsRequest } from "./image-flags.ts";
import { openStoreWaitNote } from "./image-options.ts";
import { progressFor } from "./progress.ts";

export const withImage = <T>(g: GlobalOptions, req: ImageFlagsRequest, make: (root: PreparedRoot) => Promise<T>): Promise<T> =>
  withImageRoot(hostRootHost(), { ...req, progress: progressFor(g), onWait: openStoreWaitNote(g) }, make);

export const releaseRoot = (g: GlobalOptions, images: string, id: string): boolean => releaseImageRoot(hostRootHost(), images, id, openStoreWaitNote(g));

export const remountRoots = (g: GlobalOptions): string[] => remountImageRoots(hostRootHost(), g.images, openStoreWaitNote(g));
