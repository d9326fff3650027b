// How the service manager turns a service's image reference (pinned by digest) into a bundle directory to create its
// container from. The image store (image/) provides the real adapter; until a build has one, image services are
// refused with this message, and bundle services work.
export interface ImageBundles {
  /** A bundle directory (config.json and rootfs) holding the image `ref`, made or found in the store. */
  bundleFor(ref: string): Promise<string>;
}

export const noImageStore: ImageBundles = {
  bundleFor: async (ref) => {
    throw new Error(`Image '${ref}': this bunker has no image store to take it from; give the service a 'bundle' instead`);
  },
};
