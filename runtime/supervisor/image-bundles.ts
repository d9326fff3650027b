// How the service manager turns a service's image reference (pinned by digest) into a bundle to create an instance
// from: a root of the instance's own in the image store (the image's layers under an overlay, its own upper
// directory), made as `create --image` makes one and taken down when the instance is removed. The image code is
// loaded only when a service has an image.
export interface ImageBundles {
  /** Makes `instance`'s root and bundle from image `ref` and runs `make` on the bundle; takes them down if it fails. */
  withBundle<T>(ref: string, instance: string, make: (bundle: string) => Promise<T>): Promise<T>;
  /** Takes `instance`'s root down, if it has one. */
  release(instance: string): Promise<void>;
}

const imageRoots = async () => {
  const [{ releaseImageRoot, withImageRoot }, { hostRootHost }] = await Promise.all([import("../../image/bundle/image-root.ts"), import("../../image/unpack/host.ts")]);
  return { releaseImageRoot, withImageRoot, host: hostRootHost() };
};

/** The image store in directory `images`. */
export const storeImageBundles = (images: string): ImageBundles => ({
  async withBundle(ref, instance, make) {
    const { releaseImageRoot, withImageRoot, host } = await imageRoots();
    // An instance is created only when it does not run: a root of that name is what a create cut short left behind.
    releaseImageRoot(host, images, instance);
    // The digest is what pins the image: the store knows it under the name it was imported or pulled with.
    const digest = ref.slice(ref.lastIndexOf("@") + 1);
    return withImageRoot(host, { images, id: instance, ref: digest, overrides: {} }, (root) => make(root.bundle));
  },
  async release(instance) {
    const { releaseImageRoot, host } = await imageRoots();
    releaseImageRoot(host, images, instance);
  },
});
