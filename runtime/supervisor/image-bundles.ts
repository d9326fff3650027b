// How the service manager turns a service's image reference (pinned by digest) into a bundle directory to create its
// container from. The image store provides the real adapter (store-bundles.ts); without one, image services are
// refused with this message, and bundle services work.
export interface ImageBundles {
  /** A bundle directory (config.json and rootfs) of instance `instance` holding the image `ref`, made in the store. */
  bundleFor(ref: string, instance: string): Promise<string>;
  /** Takes an instance's root down (nothing when it has none): its image is free for gc once no pin holds it. */
  release(instance: string): void;
}

export const noImageStore: ImageBundles = {
  bundleFor: async (ref) => {
    throw new Error(`Image '${ref}': this bunker has no image store to take it from; give the service a 'bundle' instead`);
  },
  release() {},
};
